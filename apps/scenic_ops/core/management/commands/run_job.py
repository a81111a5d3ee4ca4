from django.core.management.base import BaseCommand, CommandError

from scenic_ops.core import scheduling
from scenic_ops.core.models import JobRun


class Command(BaseCommand):
    help = "Run a scheduled job now, in this process (logged like a scheduled run). --list shows the jobs."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true")

    def handle(self, *args, name=None, list=False, **options):
        if list or not name:
            for spec in scheduling.registry().values():
                self.stdout.write(f"{spec.name:32} {spec.schedule:16} {spec.description}")
            return
        try:
            result = scheduling.run_job(name, JobRun.Trigger.MANUAL)
        except KeyError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{name}: {result}")
