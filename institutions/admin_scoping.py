"""Who may read and change what in the Django admin: the permission pieces every app's admin is built from.

The rows themselves are decided by the scoping functions (institutions/scoping.py and each app's scoping.py);
these mixins only ask them. The admin site admits active staff users alone, so `is_staff` is the floor of every
rule here; the coordinator (or a superuser) changes what is shared.
"""

from .scoping import editable_institutions


def is_staff(request):
    return request.user.is_active and request.user.is_staff


def is_coordinator(request):
    return is_staff(request) and request.user.is_coordinator


def may_edit_some_institution(request):
    """The user changes the rows of at least one institution."""
    return is_coordinator(request) or (is_staff(request) and editable_institutions(request.user).exists())


class ReadersMixin:
    """Read by whoever `may_read` admits: every staff user, unless a subclass narrows it."""

    def may_read(self, request):
        return is_staff(request)

    def has_module_permission(self, request):
        return self.may_read(request)

    def has_view_permission(self, request, obj=None):
        if not self.may_read(request):
            return False
        # A row the queryset (the app's scoping) hides stays unread on every page: django-simple-history's history
        # pages find the row through its stored versions when get_queryset leaves it out. An inline is asked about
        # its parent, which is not one of its rows.
        if obj is None or not isinstance(obj, self.model):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()


class CoordinatorChangesMixin(ReadersMixin):
    """Shared reference: read by its readers, added, changed and deleted by the coordinator."""

    def has_add_permission(self, request, *args):
        return is_coordinator(request)

    def has_change_permission(self, request, obj=None):
        return is_coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return is_coordinator(request)


class ReadOnlyMixin(ReadersMixin):
    """Written by the computations or on their own pages: read here by its readers, never added, changed or
    deleted."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CoordinatorReadOnlyMixin(ReadOnlyMixin):
    """Records the system writes (reports, reminders, recomputations, imports): the coordinator reads them."""

    def may_read(self, request):
        return is_coordinator(request)


class ScopedRowsMixin:
    """Every staff user opens the list; a single row only when `get_queryset` (the scoping) leaves it to them."""

    def has_module_permission(self, request):
        return is_staff(request)

    def has_view_permission(self, request, obj=None):
        if not is_staff(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()


class ParentScopedInlineMixin:
    """Rows inside a parent (a project's members, a centre's hours, a team's members): every staff user who sees
    the parent reads them; they are added, changed and deleted where `may_change(request, parent)` says so."""

    def may_change(self, request, parent):
        raise NotImplementedError

    def has_view_permission(self, request, obj=None):
        return is_staff(request)

    def has_add_permission(self, request, obj=None):
        return self.may_change(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_change(request, obj)


class InstitutionScopedAdminMixin(ScopedRowsMixin):
    """Rows that hang off an institution, read as `visible` and changed as `editable` say (an app's scoping
    functions, `function(user, queryset=None) -> queryset`); a new or changed row may only name, in
    `institution_fields`, institutions the user may edit. Only the coordinator deletes: the rows are the record of
    what an institution reported."""

    institution_fields = ()

    def visible(self, user, queryset=None):
        raise NotImplementedError

    def editable(self, user, queryset=None):
        raise NotImplementedError

    def may_add(self, request):
        return may_edit_some_institution(request)

    def get_queryset(self, request):
        return self.visible(request.user, super().get_queryset(request))

    def get_export_queryset(self, request):
        # Called by import-export's ExportMixin: an export holds the rows the list shows.
        return self.visible(request.user, super().get_export_queryset(request))

    def has_change_permission(self, request, obj=None):
        if not is_staff(request):
            return False
        if obj is None:
            return self.may_add(request)
        return self.editable(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return is_staff(request) and self.may_add(request)

    def has_delete_permission(self, request, obj=None):
        return is_coordinator(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.institution_fields:
            kwargs["queryset"] = editable_institutions(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
