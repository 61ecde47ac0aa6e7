"""User management for the coordinator: the user list, invitations and memberships."""

from functools import wraps

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods
from django_tables2 import SingleTableView

from institutions.tables import BaseTable, TableExportMixin

from .forms import InvitationForm, MembershipForm
from .invitations import invite_user, send_invitation
from .models import Membership, User


def coordinator_required(view):
    """Anonymous users go to the log-in page; signed-in users who are not coordinators get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_coordinator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class UserTable(BaseTable):
    caption = gettext_lazy("Users")

    username = tables.Column(
        verbose_name=gettext_lazy("User name"), linkify=("user-memberships", {"pk": tables.A("pk")})
    )
    full_name = tables.Column(
        verbose_name=pgettext_lazy("person", "Name"), accessor="get_full_name", order_by=("last_name", "first_name")
    )
    email = tables.Column(verbose_name=gettext_lazy("E-mail"))
    role = tables.Column(verbose_name=gettext_lazy("Role"))
    memberships = tables.Column(verbose_name=gettext_lazy("Memberships"), empty_values=(), orderable=False)
    is_active = tables.Column(verbose_name=pgettext_lazy("user account", "Active"))
    last_login = tables.DateTimeColumn(
        verbose_name=gettext_lazy("Last log-in"), default="—", format="SHORT_DATETIME_FORMAT"
    )

    class Meta(BaseTable.Meta):
        model = User
        fields = ()
        order_by = ("username",)

    def render_memberships(self, record):
        memberships = list(record.memberships.all())
        if not memberships:
            return "—"
        may_edit = format_html(' <span class="badge">{}</span>', _("may edit"))
        items = format_html_join(
            "", "<li>{}{}</li>", ((m.institution.name, may_edit if m.can_edit else "") for m in memberships)
        )
        return format_html('<ul class="plain-list">{}</ul>', items)

    def value_memberships(self, record):
        return "; ".join(
            f"{m.institution.short_name}{' (' + _('may edit') + ')' if m.can_edit else ''}"
            for m in record.memberships.all()
        )

    def render_is_active(self, value):
        return _("Yes") if value else _("No")


@method_decorator(coordinator_required, name="dispatch")
class UserListView(TableExportMixin, SingleTableView):
    table_class = UserTable
    template_name = "accounts/user_list.html"
    export_name = "users"

    def get_queryset(self):
        memberships = Membership.objects.select_related("institution").order_by("institution__name_lv")
        return User.objects.prefetch_related(Prefetch("memberships", queryset=memberships))


@coordinator_required
@require_http_methods(["GET", "POST"])
def user_invite(request):
    form = InvitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitee = invite_user(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                institutions=data["institutions"],
                can_edit=data["can_edit"],
                request=request,
                invited_by=request.user,
            )
        except OSError:
            # SMTP failures are OSErrors; invite_user has rolled everything back.
            messages.error(
                request, _("The invitation e-mail could not be sent, so no user was created. Try again later.")
            )
        else:
            messages.success(request, _("%(email)s has been invited.") % {"email": invitee.email})
            return redirect("user-memberships", pk=invitee.pk)
    return render(request, "accounts/user_invite.html", {"form": form})


@coordinator_required
@require_http_methods(["GET", "POST"])
def user_memberships(request, pk):
    member = get_object_or_404(User, pk=pk)
    form = MembershipForm(user=request.user, member=member)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            form = MembershipForm(request.POST, user=request.user, member=member)
            if form.is_valid():
                membership = form.save()
                messages.success(request, _("Added %(institution)s.") % {"institution": membership.institution.name})
                return redirect("user-memberships", pk=member.pk)
        elif action == "remove":
            membership = get_object_or_404(Membership, pk=request.POST.get("membership"), user=member)
            membership.delete()
            messages.success(request, _("Removed %(institution)s.") % {"institution": membership.institution.name})
            return redirect("user-memberships", pk=member.pk)
        elif action == "resend" and not member.has_usable_password():
            try:
                send_invitation(member, request, invited_by=request.user)
            except OSError:
                messages.error(request, _("The invitation e-mail could not be sent. Try again later."))
            else:
                messages.success(request, _("The invitation has been sent again."))
            return redirect("user-memberships", pk=member.pk)
    memberships = member.memberships.select_related("institution").order_by("institution__name_lv")
    return render(
        request,
        "accounts/user_memberships.html",
        {
            "member": member,
            "memberships": memberships,
            "form": form,
            "awaiting_password": not member.has_usable_password(),
        },
    )
