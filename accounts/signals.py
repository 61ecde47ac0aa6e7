"""A log-in stamps the user's `last_login`; that stamp is not a change to audit (the user's history leaves the
field out), so it is saved without a history row, which would otherwise fill the audit trail with empty changes."""

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in


def update_last_login_without_history(sender, user, **kwargs):
    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user, **kwargs)
    finally:
        del user.skip_history_when_saving


def connect():
    # django.contrib.auth connects update_last_login under this uid; ours takes its place.
    user_logged_in.disconnect(dispatch_uid="update_last_login")
    user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
