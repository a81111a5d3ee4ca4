"""Staff, departments and roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .audit import AuditedModel


class Department(AuditedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        "core.User", verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class User(AbstractUser, AuditedModel):
    """A staff account. Visitors and shop customers are not users of the desk."""

    audit_ignored = ("last_login", "updated_at")
    audit_masked = ("password", "phone_enc", "phone_index")

    employee_no = models.CharField(_("employee number"), max_length=20, blank=True, db_index=True)
    display_name = models.CharField(_("name"), max_length=40, blank=True)
    phone_enc = models.BinaryField(null=True, blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    zones = models.ManyToManyField("core.Zone", verbose_name=_("zones"), blank=True, related_name="staff")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_codes(self) -> set[str]:
        return set(Role.objects.filter(group__user=self).values_list("code", flat=True))


class Role(models.Model):
    """A role of the permission matrix, backed by a Django group (fixtures/roles.toml)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    group = models.OneToOneField(Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="role")
    name_en = models.CharField(_("English name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" else self.group.name
