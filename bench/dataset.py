"""A synthetic registry at benchmark scale: planning regions, municipalities (current and former), Table 1
groups, ministries, their agencies, municipal bodies and companies; every row marked as demo data.

Rows are bulk-inserted (no signals, no history) into the database of connection alias `using`; bench/prepare.py
calls it in a process of its own, on the scratch database.
"""

from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token

from accounts.models import Role, User
from institutions.flags import apply_flags
from institutions.models import (
    DevelopmentTier,
    Institution,
    InstitutionGroup,
    InstitutionType,
    Municipality,
    MunicipalityKind,
    PlanningRegion,
)

REGIONS = [
    ("riga", "Rīgas plānošanas reģions", "Riga Planning Region"),
    ("vidzeme", "Vidzemes plānošanas reģions", "Vidzeme Planning Region"),
    ("kurzeme", "Kurzemes plānošanas reģions", "Kurzeme Planning Region"),
    ("zemgale", "Zemgales plānošanas reģions", "Zemgale Planning Region"),
    ("latgale", "Latgales plānošanas reģions", "Latgale Planning Region"),
]
# (code, parent code, column A, column B): enough of PVPP2027 Table 1 to give the flags both values.
GROUPS = [
    ("1", None, True, True),
    ("1.1", "1", True, True),
    ("1.2", "1", True, True),
    ("2", None, True, True),
    ("2.1", "2", True, False),
    ("2.2", "2", True, True),
    ("3", None, True, False),
    ("3.1", "3", True, False),
]
CURRENT_MUNICIPALITIES = 43
FORMER_MUNICIPALITIES = 76  # 119 before the 2021 reform
MINISTRIES = 13
COORDINATOR = "bench-coordinator"


def seed_registry(using, institutions):
    """Create `institutions` institutions (ministries included) and a coordinator; returns the coordinator's
    API token."""
    regions = PlanningRegion.objects.using(using).bulk_create(
        PlanningRegion(code=code, name_lv=lv, name_en=en) for code, lv, en in REGIONS
    )
    current = Municipality.objects.using(using).bulk_create(
        Municipality(
            code=f"pasvaldiba-{n}",
            name_lv=f"Pašvaldība {n}",
            name_en=f"Municipality {n}",
            kind=MunicipalityKind.STATE_CITY if n < 7 else MunicipalityKind.COUNTY,
            planning_region=regions[n % len(regions)],
            development_tier=[DevelopmentTier.NATIONAL, DevelopmentTier.REGIONAL, DevelopmentTier.LOCAL][n % 3],
        )
        for n in range(CURRENT_MUNICIPALITIES)
    )
    Municipality.objects.using(using).bulk_create(
        Municipality(
            code=f"bijusi-{n}",
            name_lv=f"Bijusī pašvaldība {n}",
            name_en=f"Former municipality {n}",
            kind=MunicipalityKind.COUNTY,
            planning_region=current[n % len(current)].planning_region,
            valid_to="2021-06-30",
            successor=current[n % len(current)],
        )
        for n in range(FORMER_MUNICIPALITIES)
    )

    groups = {}
    for level in (False, True):  # top-level rows first, so the sub-rows can point at them
        created = InstitutionGroup.objects.using(using).bulk_create(
            InstitutionGroup(
                code=code,
                name_lv=f"Grupa {code}",
                name_en=f"Group {code}",
                parent=groups.get(parent),
                order=order,
                policy_applies=column_a,
                workplan_round1=column_b,
            )
            for order, (code, parent, column_a, column_b) in enumerate(GROUPS)
            if (parent is not None) == level
        )
        groups.update((group.code, group) for group in created)

    def institution(n, **fields):
        row = Institution(
            short_name=f"B{n:05d}",
            name_lv=f"Iestāde {n:05d}",
            name_en=f"Institution {n:05d}",
            registration_number=f"9{n:010d}",
            website=f"https://iestade-{n}.example.lv",
            is_demo=True,
            **fields,
        )
        return apply_flags(row)

    ministries = Institution.objects.using(using).bulk_create(
        institution(n, institution_type=InstitutionType.MINISTRY, group=groups["1.1"]) for n in range(MINISTRIES)
    )
    rows = []
    for n in range(MINISTRIES, institutions):
        kind = n % 4
        if kind in (0, 1):  # an agency in a ministry's sector
            rows.append(
                institution(
                    n,
                    institution_type=InstitutionType.STATE_AGENCY,
                    group=groups["1.2" if kind else "1.1"],
                    parent=ministries[n % MINISTRIES],
                )
            )
        elif kind == 2:  # a municipal body
            rows.append(
                institution(
                    n,
                    institution_type=InstitutionType.MUNICIPAL_AGENCY,
                    group=groups["2.1"],
                    municipality=current[n % len(current)],
                )
            )
        else:  # a state company, sometimes excluded from the 1st round
            rows.append(
                institution(
                    n,
                    institution_type=InstitutionType.STATE_COMPANY,
                    group=groups["3.1"],
                    parent=ministries[n % MINISTRIES],
                    municipality=current[n % len(current)],
                    exclusion_category="medical" if n % 8 == 3 else "",
                )
            )
    Institution.objects.using(using).bulk_create(rows, batch_size=1000)

    (user,) = User.objects.using(using).bulk_create(
        [User(username=COORDINATOR, role=Role.COORDINATOR, password=make_password(None), is_active=True)]
    )
    (token,) = Token.objects.using(using).bulk_create([Token(key=Token.generate_key(), user=user)])
    return token.key
