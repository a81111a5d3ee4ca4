from django.core.management.base import BaseCommand

from scenic_ops.core import patching, roles, scheduling, services


class Command(BaseCommand):
    help = "After migrate: apply data patches, sync roles and permissions, site profile and job schedules (idempotent)."

    def handle(self, *args, **options):
        patching.run_pending(log=self.stdout.write)
        counts = roles.sync_roles()
        self.stdout.write(f"roles: {len(counts)} synced ({sum(counts.values())} permissions)")
        profile = services.ensure_site_profile()
        self.stdout.write(f"site profile: {profile.name}")
        self.stdout.write(f"scheduled jobs: {scheduling.sync_schedules()} registered")

        # Domains load their own fixtures (default workflows, rules) through setup.py: load().
        for module in _domain_setups():
            module.load(stdout=self.stdout)


def _domain_setups():
    from importlib import import_module

    from django.conf import settings

    for app in settings.DOMAIN_APPS:
        try:
            yield import_module(f"{app}.setup")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.setup":
                raise
