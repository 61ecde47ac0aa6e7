"""The file layout of contact statistics and the rules every contact row passes, in one place.

A centre's queue system exports one row per date, hour and kind of contact; the bulk import (vpvkac/bulk.py)
reads such a file, the one-day form (`bulk.save_day`) takes the same rows typed by hand, and `contact_rows`
writes stored figures back in the same layout, so an exported file imports again unchanged.

Columns (a header row, in any order, Latvian or English names, case, spaces, underscores and diacritics not
minding; other columns are ignored):

    date / datums                      YYYY-MM-DD or DD.MM.YYYY (or a spreadsheet date)
    date_to / datums līdz              optional column: the last day of a total over several days (no hour then)
    hour / stunda                      0–23, also "9:00" or "09:00–10:00"; empty: a total of the whole day
    centre / centrs                    the centre's code, or its number (id)
    institution / iestāde              optional: the institution's short name (VID, VSAA, ...)
    service / pakalpojums              optional: the service's catalogue identifier
    contact_type / kontakta veids      service, consultation, call, email, assisted_eservice (or their names)
    staff_type / darbinieka veids      municipal, institution (or their names)
    client_type / klienta veids        natural, legal; empty: not recorded
    count / skaits                     a whole number, not negative

A row is rejected when a value cannot be read, names an unknown centre, institution or service, names a centre
the user may not record figures for, lies in the future, or (checked on the whole file) repeats the key of an
earlier row: centre, days, hour, institution, service and the three types.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from institutions.models import Institution
from services.models import Service

from institutions.scoping import is_coordinator
from .models import Centre, ClientType, ContactType, StaffType
from .scoping import editable_centres

# The columns in the order `contact_rows` writes them.
COLUMNS = (
    "date",
    "date_to",
    "hour",
    "centre",
    "institution",
    "service",
    "contact_type",
    "staff_type",
    "client_type",
    "count",
)
OPTIONAL_COLUMNS = ("date_to", "institution", "service")
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)

# Header names: the first English and the first Latvian one are what an export writes; all are read.
HEADERS = {
    "date": (("date",), ("datums",)),
    "date_to": (("date_to", "date to", "last day"), ("datums līdz", "līdz", "pēdējā diena")),
    "hour": (("hour",), ("stunda",)),
    "centre": (("centre", "center", "centre code"), ("centrs", "centra kods", "klientu centrs")),
    "institution": (("institution",), ("iestāde",)),
    "service": (("service", "catalogue id"), ("pakalpojums", "kataloga identifikators")),
    "contact_type": (("contact_type", "contact type"), ("kontakta veids",)),
    "staff_type": (("staff_type", "staff type"), ("darbinieka veids", "personāla veids")),
    "client_type": (("client_type", "client type"), ("klienta veids",)),
    "count": (("count",), ("skaits",)),
}

# The words a cell of a type column may hold besides the code (Latvian and English).
CHOICE_WORDS = {
    "contact_type": {
        ContactType.SERVICE: ("service", "pakalpojums"),
        ContactType.CONSULTATION: ("consultation", "konsultācija"),
        ContactType.CALL: ("call", "phone call", "zvans", "tālruņa zvans"),
        ContactType.EMAIL: ("e-mail", "email", "e-pasts", "epasts"),
        ContactType.ASSISTED_ESERVICE: (
            "assisted e-service",
            "asistēts e-pakalpojums",
            "e-pakalpojums ar asistenci",
        ),
    },
    "staff_type": {
        StaffType.MUNICIPAL: ("municipal staff", "municipal", "pašvaldība", "pašvaldības", "pašvaldības darbinieki"),
        StaffType.INSTITUTION: ("institution staff", "institution", "iestāde", "iestādes", "iestādes darbinieki"),
    },
    "client_type": {
        ClientType.NATURAL: ("natural person", "natural", "fiziska persona", "fiziskā persona"),
        ClientType.LEGAL: ("legal person", "legal", "juridiska persona", "juridiskā persona"),
        ClientType.NOT_RECORDED: ("not recorded", "nav norādīts"),
    },
}
CHOICES = {"contact_type": ContactType, "staff_type": StaffType, "client_type": ClientType}

COUNT_MAX = 2**31 - 1
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def normalise(text):
    """Lower case, no diacritics, underscores and dashes as spaces, single spaces: "Kontakta_veids" → "kontakta
    veids"; "E-pasts" → "e pasts"."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.lower().replace("_", " ").replace("-", " ").replace("–", " ")
    return " ".join(text.split())


HEADER_LOOKUP = {normalise(name): column for column, (en, lv) in HEADERS.items() for name in (*en, *lv)}
CHOICE_LOOKUP = {
    column: {
        **{normalise(word): code for code, words in choices.items() for word in words},
        **{normalise(code): code for code in CHOICES[column].values if code},
    }
    for column, choices in CHOICE_WORDS.items()
}


def header_names(language="en"):
    """The header an export writes: the first English (or Latvian) name of each column."""
    index = 1 if (language or "").startswith("lv") else 0
    return tuple(HEADERS[column][index][0] for column in COLUMNS)


def format_error(row, column, reason):
    """One error as the import and the one-day form report it: "row 12, hour: “25” is not an hour 0–23"."""
    return _("row %(row)s, %(column)s: %(reason)s") % {"row": row, "column": column, "reason": reason}


# --- one cell at a time: (value, reason); reason is None when the cell is good ------------------------------


def _text(cell):
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def read_date(cell):
    """A date cell: a date, YYYY-MM-DD (a time after it is ignored) or DD.MM.YYYY."""
    if isinstance(cell, datetime):
        return cell.date(), None
    if isinstance(cell, date):
        return cell, None
    text = _text(cell)
    if len(text) > 10 and text[10] in " T":
        text = text[:10]
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date(), None
        except ValueError:
            continue
    return None, _("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": cell}


def read_hour(cell):
    """An hour slot 0–23: a whole number, a time on the hour ("9:00"), or the start of a range ("09:00–10:00");
    an empty cell is no hour slot (a total of the day)."""
    if cell is None or cell == "":
        return None, None
    if isinstance(cell, datetime):
        cell = cell.time()
    if isinstance(cell, time):
        if cell.minute or cell.second:
            return None, _("“%(value)s” is not the start of an hour") % {"value": cell}
        return cell.hour, None
    text = _text(cell)
    for separator in ("–", "—", "-"):
        if separator in text:
            text = text.split(separator, 1)[0].strip()
            break
    hours, _colon, minutes = text.partition(":")
    if minutes.strip().strip("0"):
        return None, _("“%(value)s” is not the start of an hour") % {"value": cell}
    try:
        hour = int(hours)
    except ValueError:
        return None, _("“%(value)s” is not an hour 0–23") % {"value": cell}
    if not 0 <= hour <= 23:
        return None, _("“%(value)s” is not an hour 0–23") % {"value": cell}
    return hour, None


def read_count(cell):
    """A count: a whole number from 0 up."""
    if cell is None or cell == "":
        return None, _("is required")
    if isinstance(cell, bool):
        return None, _("“%(value)s” is not a whole number") % {"value": cell}
    if isinstance(cell, int):
        value = cell
    else:
        text = _text(cell).replace("\u00a0", "").replace(" ", "")
        try:
            value = int(text)
        except ValueError:
            return None, _("“%(value)s” is not a whole number") % {"value": cell}
    if value < 0:
        return None, _("%(value)s is negative; a count is 0 or more") % {"value": value}
    if value > COUNT_MAX:
        return None, _("%(value)s is too large") % {"value": value}
    return value, None


def read_choice(column, cell):
    """A type column: its code or one of its names; an empty client type is "not recorded"."""
    text = _text(cell)
    if not text:
        if column == "client_type":
            return ClientType.NOT_RECORDED.value, None
        return None, _("is required")
    code = CHOICE_LOOKUP[column].get(normalise(text))
    if code is None:
        allowed = ", ".join(value for value in CHOICES[column].values if value)
        return None, _("“%(value)s” is not one of %(allowed)s") % {"value": cell, "allowed": allowed}
    return str(code), None


# --- the row checker ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentreFacts:
    pk: int
    municipality_id: int


class ContactRowChecker:
    """Types and checks contact rows against lookups loaded once: the centres by code and id, the institutions by
    short name, the services by catalogue identifier, and the centres `user` may record figures for."""

    def __init__(self, user, today=None):
        self.today = today or timezone.localdate()
        self.centres = {}
        self.centre_ids = {}
        for pk, code, municipality_id in Centre.objects.values_list("pk", "code", "municipality_id"):
            facts = CentreFacts(pk, municipality_id)
            self.centres[code] = facts
            self.centre_ids[pk] = facts
        self.editable = None if is_coordinator(user) else set(editable_centres(user).values_list("pk", flat=True))
        institutions = list(Institution.objects.values_list("short_name", "pk"))
        self.institutions = dict(institutions)
        self.institutions_folded = {}
        for short_name, pk in institutions:
            self.institutions_folded.setdefault(short_name.casefold(), pk)
        self.institution_ids = {pk for _name, pk in institutions}
        self.services = dict(Service.objects.values_list("catalogue_id", "pk"))
        self.service_ids = set(self.services.values())

    def may_write(self, centre_id):
        return self.editable is None or centre_id in self.editable

    def centre(self, cell):
        """(CentreFacts, reason) of a centre cell: its code, else its id."""
        text = _text(cell)
        if not text:
            return None, _("is required")
        facts = self.centres.get(text)
        # isascii: "²" is a digit to str.isdigit() but no number to int().
        if facts is None and text.isascii() and text.isdigit():
            facts = self.centre_ids.get(int(text))
        if facts is None:
            return None, _("no centre with the code or number “%(value)s”") % {"value": cell}
        if not self.may_write(facts.pk):
            return None, _("you may not record figures for the centre “%(value)s”") % {"value": cell}
        return facts, None

    def institution(self, cell):
        text = _text(cell)
        if not text:
            return None, None
        pk = self.institutions.get(text) or self.institutions_folded.get(text.casefold())
        if pk is None:
            return None, _("no institution with the short name “%(value)s”") % {"value": cell}
        return pk, None

    def service(self, cell):
        text = _text(cell)
        if not text:
            return None, None
        pk = self.services.get(text)
        if pk is None:
            return None, _("no service with the catalogue identifier “%(value)s”") % {"value": cell}
        return pk, None

    def check(self, cells):
        """(values, municipality id, errors) of one row given as {column: cell}: values are ContactFigure
        attributes (centre_id, date, date_to, hour, institution_id, service_id, the three types, count) and
        errors {column: reason}."""
        errors = {}
        values = {}
        centre, reason = self.centre(cells.get("centre"))
        values["centre_id"] = centre.pk if centre else None
        if reason:
            errors["centre"] = reason
        day, reason = read_date(cells.get("date")) if _text(cells.get("date")) else (None, _("is required"))
        values["date"] = day
        if reason:
            errors["date"] = reason
        elif day > self.today:
            errors["date"] = _("%(value)s is in the future") % {"value": day.isoformat()}
        values["date_to"] = None
        if _text(cells.get("date_to")):
            last, reason = read_date(cells.get("date_to"))
            if reason:
                errors["date_to"] = reason
            elif day is not None and last <= day:
                errors["date_to"] = _("the last day must come after the date")
            elif last > self.today:
                errors["date_to"] = _("%(value)s is in the future") % {"value": last.isoformat()}
            values["date_to"] = last
        values["hour"], reason = read_hour(cells.get("hour"))
        if reason:
            errors["hour"] = reason
        elif values["hour"] is not None and values["date_to"] is not None:
            errors["hour"] = _("a total over several days has no hour")
        for column, lookup in (("institution", self.institution), ("service", self.service)):
            values[f"{column}_id"], reason = lookup(cells.get(column))
            if reason:
                errors[column] = reason
        for column in ("contact_type", "staff_type", "client_type"):
            values[column], reason = read_choice(column, cells.get(column))
            if reason:
                errors[column] = reason
        values["count"], reason = read_count(cells.get("count"))
        if reason:
            errors["count"] = reason
        return values, (centre.municipality_id if centre else None), errors


def natural_key(values):
    """The key a figure is matched on (ContactFigure's contact_figure_natural_key)."""
    return (
        values["centre_id"],
        values["date"],
        values["date_to"] or values["date"],
        -1 if values["hour"] is None else values["hour"],
        values["institution_id"] or 0,
        values["service_id"] or 0,
        values["contact_type"],
        values["staff_type"],
        values["client_type"],
    )


# --- export --------------------------------------------------------------------------------------------------


def contact_rows(queryset, language=None):
    """The header and one row per figure of `queryset`, in the layout the import reads (COLUMNS): codes, short
    names and catalogue identifiers, so the rows import again unchanged. Rows are read in chunks; memory stays
    bounded whatever the size of the queryset. The header is Latvian when `language` (default: the active one)
    is Latvian, else English."""
    from django.utils.translation import get_language

    yield header_names(language or get_language())
    rows = queryset.order_by("centre__code", "date", "hour", "pk").values_list(
        "date",
        "date_to",
        "hour",
        "centre__code",
        "institution__short_name",
        "service__catalogue_id",
        "contact_type",
        "staff_type",
        "client_type",
        "count",
    )
    yield from rows.iterator(chunk_size=5000)


__all__ = [
    "COLUMNS",
    "ContactRowChecker",
    "contact_rows",
    "format_error",
    "header_names",
    "natural_key",
]
