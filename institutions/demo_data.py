"""Demonstration data: the demo users (one per role) and population figures marked as demo.

Nothing here is real. Population figures are rounded approximations for 2024 so that population-
weighted views look plausible; every row is stored with is_demo=True and shown as demo data.
"""

from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import Membership, Role, User

from .models import Institution, Municipality, MunicipalityPopulation

DEMO_PASSWORD = "Demo-parole-2026"
DEMO_SOURCE = "Demo data: rounded approximation, replace with Official Statistics Portal figures"

# Rounded approximate resident counts at the start of 2024 (demo only).
DEMO_POPULATION = {
    "riga": 605000, "daugavpils": 78000, "jelgava": 55000, "jurmala": 50000, "liepaja": 67000,
    "rezekne": 27000, "ventspils": 33000, "adazu-novads": 13000, "aizkraukles-novads": 30000,
    "aluksnes-novads": 13500, "augsdaugavas-novads": 24000, "balvu-novads": 19500,
    "bauskas-novads": 42000, "cesu-novads": 41000, "dienvidkurzemes-novads": 33000,
    "dobeles-novads": 28500, "gulbenes-novads": 19500, "jelgavas-novads": 33000,
    "jekabpils-novads": 42000, "kraslavas-novads": 20500, "kuldigas-novads": 30500,
    "kekavas-novads": 30000, "limbazu-novads": 30000, "livanu-novads": 10500, "ludzas-novads": 22500,
    "madonas-novads": 31500, "marupes-novads": 38000, "ogres-novads": 56000, "olaines-novads": 19500,
    "preilu-novads": 17500, "rezeknes-novads": 25500, "ropazu-novads": 19000,
    "salaspils-novads": 24000, "saldus-novads": 28000, "saulkrastu-novads": 6500,
    "siguldas-novads": 31000, "smiltenes-novads": 18500, "talsu-novads": 38000,
    "tukuma-novads": 42000, "valkas-novads": 8500, "valmieras-novads": 50000,
    "varaklanu-novads": 3100, "ventspils-novads": 10500,
}  # fmt: skip
DEMO_YEAR = 2024

# username, role, first name, last name, member of (short names), staff
DEMO_USERS = [
    ("koordinators", Role.COORDINATOR, "Kristīne", "Koordinatore", [], True),
    ("redaktors", Role.EDITOR, "Roberts", "Redaktors", ["VSAA"], False),
    ("skatitajs", Role.VIEWER, "Sandra", "Skatītāja", ["VID"], False),
    ("eksperts", Role.EXPERT, "Egils", "Eksperts", [], False),
    ("operators", Role.CENTRE_OPERATOR, "Olga", "Operatore", [], False),
    ("api-klients", Role.API_CLIENT, "Statistikas", "sistēma", ["VSAA", "VID"], False),
]


@transaction.atomic
def load_demo_data():
    """Create or refresh the demo users, their memberships and tokens, and the demo population figures."""
    created_users = 0
    for username, role, first_name, last_name, member_of, is_staff in DEMO_USERS:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@demo.pakalpojumi.lv",
                "is_staff": is_staff,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        created_users += created
        for institution in Institution.objects.filter(short_name__in=member_of):
            Membership.objects.update_or_create(
                user=user, institution=institution, defaults={"can_edit": role == Role.EDITOR}
            )
        if role == Role.API_CLIENT:
            Token.objects.get_or_create(user=user)

    municipalities = Municipality.objects.filter(code__in=DEMO_POPULATION)
    figures = 0
    for municipality in municipalities:
        # Real figures, where reference data has them, are never overwritten by demo ones.
        _, created = MunicipalityPopulation.objects.get_or_create(
            municipality=municipality,
            year=DEMO_YEAR,
            defaults={"population": DEMO_POPULATION[municipality.code], "is_demo": True, "source": DEMO_SOURCE},
        )
        figures += created
    return {"users created": created_users, "population figures created": figures}


def demo_logins():
    rows = []
    for username, role, *_ in DEMO_USERS:
        rows.append((username, Role(role).label, DEMO_PASSWORD))
    return rows
