"""Desk labels the ticketing models leave to Django, which would show them in English or with
another word's meaning: set here for every list, form and page of the desk.

Django deconstructs a field with the verbose_name it was declared with, and a model with its
declared Meta, so these labels change no migration.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scenic_ops.ticketing.models import (
    Bucket,
    BundleItem,
    Order,
    Partner,
    Payment,
    PaymentNotification,
    Price,
    PriceCategory,
    Product,
    Refund,
    SaleDay,
    SlotTemplate,
    Ticket,
    TimeSlot,
    Visitor,
)

# "tickets" alone is a count (票数) on orders and refunds; the model's own name is 门票.
Ticket._meta.verbose_name_plural = pgettext_lazy("sales", "tickets")

FIELD_LABELS = {
    BundleItem: {"bundle": pgettext_lazy("sales", "bundle"), "component": _("component")},
    TimeSlot: {"template": _("slot template")},
    Bucket: {"key": _("bucket key")},
    Order: {"language": _("language")},
    Ticket: {"claim_scope": _("ID limit scope")},
    Visitor: {"claim_scope": _("ID limit scope")},
    Payment: {"created_by": _("created by")},
    PaymentNotification: {"payment": _("payment")},
    Refund: {"payment": _("payment")},
    **{
        model: {"updated_at": _("updated")} for model in (PriceCategory, Product, Price, SaleDay, SlotTemplate, Partner)
    },
}

for model, labels in FIELD_LABELS.items():
    for name, label in labels.items():
        model._meta.get_field(name).verbose_name = label
