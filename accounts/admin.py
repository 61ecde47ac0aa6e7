from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("institution",)


class CoordinatorOnlyMixin:
    """Users and memberships are the coordinator's to manage; nobody else sees them in the admin."""

    def _allowed(self, request):
        return request.user.is_active and request.user.is_staff and request.user.is_coordinator

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


@admin.register(User)
class UserAdmin(CoordinatorOnlyMixin, DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Role"), {"fields": ("role",)}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Role"), {"fields": ("email", "role")}),)
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(CoordinatorOnlyMixin, SimpleHistoryAdmin):
    list_display = ("user", "institution", "can_edit", "created_at")
    list_filter = ("can_edit", "user__role")
    search_fields = ("user__username", "user__email", "institution__name_lv", "institution__short_name")
    autocomplete_fields = ("user", "institution")
    list_select_related = ("user", "institution")


# --- the platform's own screens from other packages --------------------------------------------------------------
# They ask Django's model permissions, which the coordinator (a role, not a superuser) does not hold: the
# coordinator changes the beat schedule, ends users' API tokens and lifts log-in lockouts here, as the README says.


class CoordinatorReadsAndDeletesMixin(CoordinatorOnlyMixin):
    """Records the platform writes itself (log-in attempts and lockouts): the coordinator reads them and deletes
    one to lift a lockout; nobody adds or changes them."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CoordinatorAddsAndDeletesMixin(CoordinatorOnlyMixin):
    """API tokens: the coordinator makes one for a user or ends it; a token has nothing to change."""

    def has_change_permission(self, request, obj=None):
        return False


def _reregister(model, mixin):
    """Registers `model` again with `mixin` in front of the admin class its package registered."""
    original = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(model, type(original.__name__, (mixin, original), {"__module__": __name__}))


def _coordinator_screens():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )
    from rest_framework.authtoken.models import TokenProxy

    for model in (PeriodicTask, ClockedSchedule, CrontabSchedule, IntervalSchedule, SolarSchedule):
        _reregister(model, CoordinatorOnlyMixin)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        _reregister(model, CoordinatorReadsAndDeletesMixin)
    _reregister(TokenProxy, CoordinatorAddsAndDeletesMixin)


_coordinator_screens()
