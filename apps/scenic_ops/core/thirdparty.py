"""Third-party apps under names that read well in the desk (and translate)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpConfig


class LoginProtectionConfig(AxesAppConfig):
    verbose_name = _("Login protection")


class TwoFactorConfig(TotpConfig):
    verbose_name = _("Two-factor authentication")
