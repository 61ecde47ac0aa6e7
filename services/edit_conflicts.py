"""The concurrent-edit rule of the yearly figures and costs: a change names the version of each row it was based
on (0 for a row that did not exist), the rows are re-read under a row lock, and a change based on another version
than the stored one is refused as a conflict instead of overwriting what someone else wrote in the meantime.

Every save raises a row's `version` (services/models/figures.py VersionedRow); the web form carries the versions
it was opened with in hidden inputs, the API in the `version` field or the `If-Match` header. A change that names
no version (a script posting the form without opening it, an API client sending neither) is not checked.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass
class StaleRow:
    """A row that changed since the version a change was based on."""

    name: str  # how the caller points at the row: a form input, an API field
    stored: object  # the row as it is now; None when it is gone
    sent_version: int

    @property
    def stored_version(self):
        return version_of(self.stored)


class EditConflict(Exception):
    """Someone else changed some of the rows since the change was read; nothing of it was written."""

    def __init__(self, rows):
        super().__init__(_("Changed by someone else since you opened it."))
        self.rows = rows


def version_of(row):
    """The stored version of `row`, 0 when there is no row."""
    return 0 if row is None else row.version


def stale_row(name, stored, sent_version):
    """A StaleRow when the change was based on another version than the stored one; None when it was based on
    the stored one or named no version (None)."""
    if sent_version is None or int(sent_version) == version_of(stored):
        return None
    return StaleRow(name, stored, int(sent_version))


def locked(queryset):
    """The rows re-read under a row lock until the transaction ends, in primary key order so that two savers of
    overlapping rows lock them in the same order and never wait on each other in a circle."""
    return queryset.select_for_update(of=("self",)).order_by("pk")
