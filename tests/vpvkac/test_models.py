"""The rules the database holds for the network's data, the centre lifecycle, and who may see and change which
centre."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Membership, Role
from institutions.models import InstitutionType
from tests.factories import InstitutionFactory, MunicipalityFactory, UserFactory
from tests.vpvkac.factories import CentreFactory, ContactFigureFactory, GrantFactory, ReportingPeriodFactory
from vpvkac.centres import change_status, serving_centre_ids
from vpvkac.models import (
    Centre,
    CentreMembership,
    CentreStatus,
    ContactFigure,
    ContactType,
    Desk,
    GrantKind,
    OpeningHours,
    ReceptionSchedule,
    SatisfactionScore,
    ScoreKind,
    Weekday,
)
from vpvkac.scoping import can_edit_centre, editable_centres, scope_by_centre, visible_centres

pytestmark = pytest.mark.django_db


def rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_a_grant_goes_to_a_municipality_or_a_centre_never_both_or_neither():
    centre = CentreFactory()
    period = ReportingPeriodFactory()
    rejected(lambda: GrantFactory(period=period, municipality=centre.municipality, centre=centre))
    rejected(lambda: GrantFactory(period=period))
    rejected(lambda: GrantFactory(period=period, centre=centre, amount=-1))
    GrantFactory(period=period, centre=centre, kind=GrantKind.SALARY)
    rejected(lambda: GrantFactory(period=period, centre=centre, kind=GrantKind.SALARY))  # one per kind


def test_the_natural_key_of_a_contact_figure_holds_with_empty_hour_institution_and_service():
    centre = CentreFactory()
    ContactFigureFactory(centre=centre, date=date(2024, 3, 4), hour=None, count=3)
    rejected(lambda: ContactFigureFactory(centre=centre, date=date(2024, 3, 4), hour=None, count=5))
    ContactFigureFactory(centre=centre, date=date(2024, 3, 4), hour=10, count=5)  # another hour slot
    ContactFigureFactory(centre=centre, date=date(2024, 3, 4), contact_type=ContactType.CALL, count=5)
    rejected(lambda: ContactFigureFactory(centre=centre, date=date(2024, 3, 4), hour=24))
    rejected(lambda: ContactFigureFactory(centre=centre, date=date(2024, 3, 4), contact_type="visit"))
    rejected(lambda: ContactFigureFactory(centre=centre, date=date(2024, 3, 4), date_to=date(2024, 3, 1)))
    rejected(lambda: ContactFigureFactory(centre=centre, date=date(2024, 3, 1), date_to=date(2024, 3, 31), hour=9))


def test_slots_opening_hours_and_coordinates_are_checked():
    centre = CentreFactory()
    desk = Desk.objects.create(centre=centre, institution=InstitutionFactory())
    slot = {"desk": desk, "weekday": Weekday.FRIDAY, "starts_at": time(10), "ends_at": time(12)}
    rejected(lambda: ReceptionSchedule.objects.create(**{**slot, "week_of_month": 6}))
    rejected(lambda: ReceptionSchedule.objects.create(**{**slot, "ends_at": time(9)}))
    ReceptionSchedule.objects.create(**{**slot, "week_of_month": -1})
    rejected(lambda: OpeningHours.objects.create(centre=centre, weekday=7, opens_at=time(8), closes_at=time(17)))
    rejected(lambda: CentreFactory(latitude=56.9, longitude=None))
    rejected(lambda: CentreFactory(latitude=91, longitude=24))


def test_a_score_lies_on_its_scale_and_converts_to_0_100():
    centre, period = CentreFactory(), ReportingPeriodFactory()
    score = SatisfactionScore.objects.create(
        centre=centre, period=period, kind=ScoreKind.SATISFACTION, score=4, scale_min=1, scale_max=5
    )
    assert score.score_0_100 == 75  # (4 − 1) / (5 − 1) × 100
    rejected(
        lambda: SatisfactionScore.objects.create(
            centre=centre, period=period, kind=ScoreKind.MYSTERY_CLIENT, score=6, scale_min=1, scale_max=5
        )
    )


def test_status_history_drives_the_current_status_and_the_serving_spans():
    centre = CentreFactory()
    change_status(centre, CentreStatus.ACTIVE, date(2019, 1, 1))
    change_status(centre, CentreStatus.UNDER_REVIEW, date(2020, 1, 1))
    change_status(centre, CentreStatus.REPLACED_BY_MOBILE, date(2021, 7, 1))
    centre.refresh_from_db()
    assert (centre.status, centre.status_since) == (CentreStatus.REPLACED_BY_MOBILE, date(2021, 7, 1))
    assert serving_centre_ids(date(2018, 1, 1), date(2018, 12, 31)) == set()  # before its opening record
    assert serving_centre_ids(date(2021, 1, 1), date(2021, 12, 31)) == {centre.pk}  # under review until July
    assert serving_centre_ids(date(2021, 7, 1), date(2022, 12, 31)) == set()
    assert centre.history.count() >= 3  # every change is kept by simple-history


def test_operators_see_and_edit_their_centre_only_and_municipal_staff_see_their_municipalitys():
    former = MunicipalityFactory(valid_to=date(2021, 6, 30))
    today = MunicipalityFactory()
    former.successor = today
    former.save()
    old_centre, new_centre, elsewhere = (
        CentreFactory(municipality=former),
        CentreFactory(municipality=today),
        CentreFactory(),
    )
    operator = UserFactory(role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=operator, centre=new_centre)
    reader = UserFactory(role=Role.CENTRE_OPERATOR)
    CentreMembership.objects.create(user=reader, centre=elsewhere, can_edit=False)
    staff = UserFactory(role=Role.EDITOR)
    municipality_body = InstitutionFactory(institution_type=InstitutionType.MUNICIPALITY, municipality=today)
    Membership.objects.create(user=staff, institution=municipality_body)
    coordinator = UserFactory(role=Role.COORDINATOR)

    assert set(visible_centres(operator)) == {new_centre}
    assert set(editable_centres(operator)) == {new_centre}
    assert set(visible_centres(reader)) == {elsewhere} and not editable_centres(reader).exists()
    assert set(visible_centres(staff)) == {old_centre, new_centre}  # the former municipality rolls up
    assert not editable_centres(staff).exists()  # figures are the operators' work
    assert set(editable_centres(coordinator)) == set(Centre.objects.all())
    assert not visible_centres(None).exists()
    figure = ContactFigureFactory(centre=new_centre)
    ContactFigureFactory(centre=elsewhere)
    assert list(scope_by_centre(operator, ContactFigure.objects.all(), editable=True)) == [figure]
    assert can_edit_centre(operator, new_centre) and not can_edit_centre(operator, elsewhere)


def test_a_day_has_at_most_two_opening_intervals_that_do_not_overlap():
    centre = CentreFactory()
    OpeningHours.objects.create(centre=centre, weekday=Weekday.MONDAY, opens_at=time(8), closes_at=time(12))
    overlapping = OpeningHours(centre=centre, weekday=Weekday.MONDAY, opens_at=time(11), closes_at=time(17))
    with pytest.raises(ValidationError):
        overlapping.full_clean()
    OpeningHours.objects.create(centre=centre, weekday=Weekday.MONDAY, opens_at=time(13), closes_at=time(17))
    third = OpeningHours(centre=centre, weekday=Weekday.MONDAY, opens_at=time(18), closes_at=time(19))
    with pytest.raises(ValidationError):
        third.full_clean()
    OpeningHours(centre=centre, weekday=Weekday.TUESDAY, opens_at=time(10), closes_at=time(19)).full_clean()
