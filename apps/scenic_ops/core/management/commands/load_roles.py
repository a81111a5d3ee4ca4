from django.core.management.base import BaseCommand

from scenic_ops.core import roles


class Command(BaseCommand):
    help = "Create the roles of fixtures/roles.toml and set their permissions to the matrix in fixtures/permissions/."

    def handle(self, *args, **options):
        for code, count in roles.sync_roles().items():
            self.stdout.write(f"{code}: {count} permissions")
