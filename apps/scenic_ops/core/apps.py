from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "scenic_ops.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from scenic_ops.core import signals  # noqa: F401  (auth events into the audit trail)

        # Each domain declares its scheduled jobs in jobs.py and its desk cards in dashboard.py.
        autodiscover_modules("jobs")
        autodiscover_modules("dashboard")
        # Cross-domain reactions: each domain's hooks.py defines the hooks it emits and its listeners.
        autodiscover_modules("hooks")
