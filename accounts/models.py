from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    """The roles of domain brief §1. A user's role says what kind of work they do;
    memberships say for which institutions they do it."""

    COORDINATOR = "coordinator", _("Coordinator")
    EDITOR = "editor", _("Institution editor")
    VIEWER = "viewer", _("Institution viewer")
    EXPERT = "expert", _("Expert / reviewer")
    CENTRE_OPERATOR = "centre_operator", _("Centre operator")
    API_CLIENT = "api_client", _("API client")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    institutions = models.ManyToManyField(
        "institutions.Institution",
        through="accounts.Membership",
        related_name="members",
        blank=True,
        verbose_name=_("institutions"),
    )

    history = HistoricalRecords(excluded_fields=["last_login", "password"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_coordinator(self):
        return self.is_superuser or self.role == Role.COORDINATOR


class Membership(models.Model):
    """A user's membership of one institution. `can_edit` is honoured only for
    editors (and the API clients that later get write tokens): a viewer's
    membership never grants changes, whatever the flag says."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("institution"),
    )
    can_edit = models.BooleanField(_("may edit"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="membership_unique_user_institution"),
        ]

    def __str__(self):
        return f"{self.user} → {self.institution}"
