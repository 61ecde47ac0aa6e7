"""Inviting a user: the account, its memberships, and an e-mail whose link lets the invitee set a password.

The link is Django's password-reset link (same token machinery, same confirm page), so the
invitation expires after PASSWORD_RESET_TIMEOUT and stops working once a password is set.
"""

from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import loader

from .models import Membership, User

SUBJECT_TEMPLATE = "registration/invitation_subject.txt"
BODY_TEMPLATE = "registration/invitation_email.txt"


class InvitationEmailForm(PasswordResetForm):
    """Password-reset e-mail for exactly one invitee, whose password is still unusable.

    PasswordResetForm skips users without a usable password and swallows sending errors; an
    invitation needs the opposite on both counts.
    """

    def __init__(self, invitee):
        super().__init__(data={"email": invitee.email})
        self.invitee = invitee

    def get_users(self, email):
        return [self.invitee]

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        EmailMultiAlternatives(subject, body, from_email, [to_email]).send()


def send_invitation(user, request, invited_by=None):
    """E-mail `user` a one-use link to set their password; raises if the mail cannot be sent."""
    form = InvitationEmailForm(user)
    if not form.is_valid():
        raise ValueError(f"cannot invite a user without a valid e-mail address: {user.email!r}")
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name=SUBJECT_TEMPLATE,
        email_template_name=BODY_TEMPLATE,
        extra_email_context={"invited_by": invited_by, "institutions": list(user.institutions.all())},
    )


@transaction.atomic
def invite_user(*, email, first_name, last_name, role, institutions, can_edit, request, invited_by=None):
    """Create an active user with an unusable password and one membership per institution, then send the
    invitation; if the mail cannot be sent nothing is saved."""
    user = User(
        username=email.strip().lower(),
        email=email.strip(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    for institution in institutions:
        Membership.objects.create(user=user, institution=institution, can_edit=can_edit)
    send_invitation(user, request, invited_by=invited_by)
    return user
