from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Build the demo scenic area (idempotent): zones, departments, one staff user per role, and each domain's demo data."

    def handle(self, *args, **options):
        for app in settings.DOMAIN_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                module.build(stdout=self.stdout)
