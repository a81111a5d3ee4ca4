from django.db import models
from django.utils.translation import gettext_lazy as _


class PatchRun(models.Model):
    """A data patch from patches/patches.txt that has been applied (like Frappe's Patch Log)."""

    name = models.CharField(_("patch"), max_length=200, unique=True)
    applied_at = models.DateTimeField(_("applied"), auto_now_add=True)

    class Meta:
        verbose_name = _("applied patch")
        verbose_name_plural = _("applied patches")
        ordering = ["applied_at"]

    def __str__(self) -> str:
        return self.name
