"""The vocabulary of the permission matrix: outcomes, URL arguments taken from the world, entries."""

from dataclasses import dataclass, field

from django.urls import reverse

from tests.security.world import ROLES

# One letter per outcome, so that a row of the table reads as seven letters in ROLES order:
# coordinator, editor of A, viewer of A, expert, centre operator of A's centre, API client of A, anonymous.
ALLOW = "A"  # 2xx, or a 3xx to anything but a log-in page, and nothing of B's in the body
SHOWS_OTHER = "S"  # 2xx whose body names B's rows (world.OTHER_MARKS): right for the coordinator and public data
GONE = "G"  # the admin's answer to a row outside the user's queryset: a redirect to the admin index
FORBIDDEN = "F"  # 403
NOT_FOUND = "N"  # 404 (the row is outside the user's scope, so it does not exist for them)
LOGIN = "L"  # a redirect to a log-in page, or 401
NOT_ALLOWED = "M"  # 405: the pattern does not answer GET (its unsafe methods are checked in UNSAFE)
BAD_REQUEST = "B"  # 400: the request reached the view and was refused as malformed

OUTCOMES = {ALLOW, SHOWS_OTHER, GONE, FORBIDDEN, NOT_FOUND, LOGIN, NOT_ALLOWED, BAD_REQUEST}


class K:
    """URL keyword arguments from the world: `K(pk="service.pk", year=2024)` takes the service of the side under
    test (A for "own", B for "other") and its pk; a non-string value (or a string without a dot) is used as is."""

    def __init__(self, **spec):
        self.spec = spec

    def __call__(self, world, side):
        kwargs = {}
        for name, value in self.spec.items():
            if isinstance(value, str) and "." in value:
                kind, attribute = value.split(".", 1)
                value = getattr(world.get(kind, side), attribute)
            kwargs[name] = value
        return kwargs

    def depends_on_side(self, world):
        return self(world, "own") != self(world, "other")

    def url(self, world, side, key):
        return reverse(key, kwargs=self(world, side))

    def __repr__(self):
        return "K(" + ", ".join(f"{name}={value!r}" for name, value in self.spec.items()) + ")"


@dataclass
class Entry:
    """The expected outcome of a GET of one URL pattern, per role, for an object of A (own) and of B (other).

    `own` and `other` are seven letters in ROLES order. A pattern whose URL names no institution's object has only
    `own` (the same URL serves both sides). `url` builds the path for patterns without a name."""

    key: str
    args: object = None
    own: str = ""
    other: str = ""
    query: str = ""
    debug_only: bool = False

    def expected(self, role, side):
        row = self.own if side == "own" or not self.other else self.other
        return row[ROLES.index(role)]

    def sides(self, world):
        return ("own", "other") if self.args is not None and self.args.depends_on_side(world) else ("own",)

    def url(self, world, side):
        path = reverse(self.key) if self.args is None else self.args.url(world, side, self.key)
        return path + (f"?{self.query}" if self.query else "")


@dataclass
class Unsafe:
    """An unsafe request on an object of A or B, and the row it must leave unchanged where it is refused.

    `data(world, side)` gives the body; `watch(world, side)` returns a value read back from the database before
    and after (equal means unchanged). `allowed` lists the roles that may make the change on their own object;
    every other role, and every role on B's object but the coordinator, must be refused with a status in
    REFUSED and leave the row as it was."""

    key: str
    method: str
    args: K
    watch: object
    data: object = None
    allowed: tuple = ("coordinator",)
    json: bool = True
    extra: dict = field(default_factory=dict)


# A refusal of an unsafe request; anonymous requests may instead be sent to log in.
REFUSED = {401, 403, 404, 405}


class MediaFile:
    """The stored file of a row of A or B, under MEDIA_URL (the pattern exists while DEBUG is on)."""

    def __init__(self, kind, field_name):
        self.kind, self.field_name = kind, field_name

    def depends_on_side(self, world):
        return True

    def url(self, world, side, key):
        from django.conf import settings

        return settings.MEDIA_URL + getattr(world.get(self.kind, side), self.field_name).name

    def __repr__(self):
        return f"MediaFile({self.kind!r}, {self.field_name!r})"
