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
