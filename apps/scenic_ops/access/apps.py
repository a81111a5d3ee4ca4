from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "scenic_ops.access"
    label = "access"
    verbose_name = _("Gates and admission")
