"""Desk: sales partners (OTAs, travel agencies) and their credentials, shown once."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.admin_base import AuditedAdmin
from scenic_ops.ticketing import api_auth
from scenic_ops.ticketing.models import Partner
from scenic_ops.ticketing.partners import create_partner, rotate_credentials


class PartnerForm(forms.ModelForm):
    rate_limit = forms.IntegerField(label=_("requests per minute"), initial=600, min_value=0, required=False)

    class Meta:
        model = Partner
        fields = ["code", "name", "kind", "prepaid", "webhook_url", "products", "contact", "active"]


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    form = PartnerForm
    list_display = ["code", "name", "kind", "prepaid", "webhook_url", "api_key", "active"]
    list_filter = ["kind", "active"]
    filter_horizontal = ["products"]
    actions = ["rotate"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        creds = create_partner(
            obj.code,
            obj.name,
            kind=obj.kind,
            prepaid=obj.prepaid,
            webhook_url=obj.webhook_url,
            rate_limit_per_minute=form.cleaned_data.get("rate_limit") or 0,
        )
        obj.pk = creds.partner.pk
        obj._state.adding = False
        self._show(request, creds)

    def save_related(self, request, form, formsets, change):
        form.instance = Partner.objects.get(pk=form.instance.pk)
        super().save_related(request, form, formsets, change)
        # Active, prepaid, products: every web process signs and sells by the new values within a second.
        api_key_id = form.instance.api_key_id
        transaction.on_commit(lambda: api_auth.forget(api_key_id))

    @admin.action(description=_("Issue new credentials (the old key stops working)"))
    def rotate(self, request, queryset):
        for partner in queryset:
            self._show(request, rotate_credentials(partner))

    @staticmethod
    def _show(request, creds):
        messages.warning(
            request,
            _(
                "Credentials for %(name)s, shown once: API key %(key)s · signing secret %(secret)s · webhook secret %(hook)s"
            )
            % {
                "name": creds.partner.name,
                "key": creds.api_key,
                "secret": creds.signing_secret,
                "hook": creds.webhook_secret,
            },
        )
