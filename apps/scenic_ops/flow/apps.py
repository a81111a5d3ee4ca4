from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowConfig(AppConfig):
    name = "scenic_ops.flow"
    label = "flow"
    verbose_name = _("Visitor flow")
