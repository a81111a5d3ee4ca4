"""manage.py create_partner CODE --name NAME [--prepaid/--no-prepaid] [--products a,b] [--webhook-url URL]
[--rate-limit N]: a partner (OTA) with its API key and signing secret, as the desk's 合作方 page creates
them (ticketing.partners.create_partner). The key and secrets are printed once; only their hash and
ciphertext are kept. Exit code 2 for bad input, 3 when the code is taken; nothing is changed then."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from scenic_ops.ticketing.models import Partner, Product
from scenic_ops.ticketing.partners import create_partner

BAD_INPUT = 2
CODE_TAKEN = 3
OPTION = {"code": "CODE", "name": "--name", "kind": "--kind", "webhook_url": "--webhook-url", "prepaid": "--prepaid"}


class Command(BaseCommand):
    help = (
        "Create a partner (OTA) with its API key (scopes ticketing:read ticketing:book) and request-signing "
        "secret; prints them once. Exit code 2: bad input, 3: the code is taken (nothing changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="the partner's code, e.g. ctrip (letters, digits, - and _; at most 30)")
        parser.add_argument("--name", required=True, help="the partner's name, e.g. 携程")
        parser.add_argument(
            "--kind", choices=list(Partner.Kind.values), default=Partner.Kind.OTA, help="ota (default) or agency"
        )
        parser.add_argument(
            "--prepaid",
            action="store_true",
            default=True,
            help="orders are confirmed at once and settled on account (the default)",
        )
        parser.add_argument(
            "--no-prepaid", dest="prepaid", action="store_false", help="orders wait until the partner confirms payment"
        )
        parser.add_argument(
            "--products", default="", help="codes of the products it may sell, comma-separated; none: all"
        )
        parser.add_argument("--webhook-url", default="", help="where order and ticket events are sent")
        parser.add_argument("--rate-limit", type=int, default=600, help="requests per minute (0: unlimited; 600)")

    def handle(self, *args, **o):
        code, name = o["code"].strip(), o["name"].strip()
        if Partner.objects.filter(code=code).exists():
            raise self._taken(code)
        partner = Partner(code=code, name=name, kind=o["kind"], prepaid=o["prepaid"], webhook_url=o["webhook_url"])
        problems = []
        try:  # the same field rules as the desk's form
            partner.full_clean(exclude=["api_key", "signing_secret_enc", "webhook_secret_enc"], validate_unique=False)
        except ValidationError as exc:
            problems += [f"{OPTION.get(field, field)}: {' '.join(text)}" for field, text in exc.message_dict.items()]
        if o["rate_limit"] < 0:
            problems.append("--rate-limit: " + _("give 0 (unlimited) or more requests per minute."))
        wanted = [c.strip() for c in o["products"].split(",") if c.strip()]
        products = list(Product.objects.filter(code__in=wanted))
        unknown = sorted(set(wanted) - {p.code for p in products})
        if unknown:
            problems.append("--products: " + _("no product has the code %(codes)s.") % {"codes": ", ".join(unknown)})
        if problems:
            raise CommandError(
                _("Partner %(code)s not created:") % {"code": code} + "\n  " + "\n  ".join(problems),
                returncode=BAD_INPUT,
            )
        try:
            with transaction.atomic():
                creds = create_partner(
                    code,
                    name,
                    kind=o["kind"],
                    prepaid=o["prepaid"],
                    rate_limit_per_minute=o["rate_limit"],
                    webhook_url=o["webhook_url"],
                )
                creds.partner.products.set(products)
        except IntegrityError:  # created by someone else a moment ago
            raise self._taken(code) from None
        self.stdout.write(
            _("Partner %(code)s (%(name)s) created. The key and secrets are shown only now: store them safely.")
            % {"code": code, "name": name}
        )
        self.stdout.write(f"api_key: {creds.api_key}")
        self.stdout.write(f"signing_secret: {creds.signing_secret}")
        self.stdout.write(f"webhook_secret: {creds.webhook_secret}")

    @staticmethod
    def _taken(code: str) -> CommandError:
        return CommandError(
            _(
                "A partner with the code %(code)s already exists; nothing was changed. To give it new "
                "credentials use “Issue new credentials” on the desk's partner list."
            )
            % {"code": code},
            returncode=CODE_TAKEN,
        )
