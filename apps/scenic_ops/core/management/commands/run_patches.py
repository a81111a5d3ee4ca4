from django.core.management.base import BaseCommand

from scenic_ops.core import patching


class Command(BaseCommand):
    help = "Apply the pending data patches of patches/patches.txt, in order, once each."

    def handle(self, *args, **options):
        applied = patching.run_pending(log=self.stdout.write)
        self.stdout.write(f"{len(applied)} patch(es) applied")
