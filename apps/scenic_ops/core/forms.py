from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp import match_token, user_has_device
from unfold.forms import AuthenticationForm
from unfold.widgets import UnfoldAdminTextInputWidget


class StaffLoginForm(AuthenticationForm):
    """Password, then a TOTP code for staff who have set up a second factor."""

    otp_token = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=8,
        help_text=_("Only if you have set up an authenticator app."),
        widget=UnfoldAdminTextInputWidget(
            attrs={"form": "login-form", "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user, confirmed=True):
            token = (cleaned.get("otp_token") or "").strip()
            device = match_token(user, token) if token else None
            if device is None:
                raise forms.ValidationError(
                    _("Enter the 6-digit code from your authenticator app."), code="otp_required"
                )
            self.otp_device = device
        return cleaned
