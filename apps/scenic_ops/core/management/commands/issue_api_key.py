from django.core.management.base import BaseCommand, CommandError

from scenic_ops.core import apikeys
from scenic_ops.core.models import ApiKey


class Command(BaseCommand):
    help = "Issue an API key for a device, partner or integration; prints the secret once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", choices=[k for k, _ in ApiKey.Kind.choices], default="integration")
        parser.add_argument("--scope", action="append", default=[], help="repeatable, e.g. --scope gate:validate")
        parser.add_argument("--subject", default="")
        parser.add_argument("--rate-limit", type=int, default=0, help="requests per minute, 0 = unlimited")

    def handle(self, *args, **o):
        if not o["scope"]:
            raise CommandError("give at least one --scope")
        issued = apikeys.issue(
            o["name"], kind=o["kind"], scopes=o["scope"], subject=o["subject"], rate_limit_per_minute=o["rate_limit"]
        )
        self.stdout.write(issued.secret)
