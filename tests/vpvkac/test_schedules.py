"""Desk-schedule overlap at regional centres (seed 001 F12): the intersection of all desks' reception windows in a
month must not be empty. Weekly slots and "n-th weekday of the month" slots.

March 2024 starts on a Friday: its Fridays are the 1st, 8th, 15th, 22nd and 29th; its Thursdays the 7th, 14th,
21st and 28th. February 2024 has four Fridays (2, 9, 16, 23)."""

from datetime import date, time

import pytest
from django.utils import translation

from institutions.models import DevelopmentTier
from tests.factories import InstitutionFactory
from tests.vpvkac.factories import CentreFactory
from vpvkac.models import LAST_WEEK, Desk, DeskPresence, ReceptionSchedule, Weekday
from vpvkac.network import Window, common_windows, desk_overlap


def slot(weekday, start, end, week=None, **validity):
    return ReceptionSchedule(
        weekday=weekday, week_of_month=week, starts_at=time(*start), ends_at=time(*end), **validity
    )


# seed 001 §4.10, Valka: VID on Monday, Tuesday and Thursday; VZD on Thursday; VDI on the 2nd Friday of the month.
VID = [
    slot(Weekday.MONDAY, (9, 0), (16, 0)),
    slot(Weekday.TUESDAY, (9, 0), (16, 0)),
    slot(Weekday.THURSDAY, (9, 0), (16, 0)),
]
VZD = [slot(Weekday.THURSDAY, (10, 0), (14, 0))]
VDI = [slot(Weekday.FRIDAY, (10, 0), (13, 0), week=2)]


def test_valka_vid_and_vzd_meet_on_thursdays():
    windows = common_windows([VID, VZD], 2024, 3)
    assert windows == [Window(date(2024, 3, d), time(10, 0), time(14, 0)) for d in (7, 14, 21, 28)]


def test_valka_violates_the_rule_because_vdi_comes_on_the_2nd_friday():
    assert common_windows([VID, VZD, VDI], 2024, 3) == []


def test_a_2nd_friday_desk_meets_a_weekly_friday_desk_once_a_month():
    fridays = [slot(Weekday.FRIDAY, (9, 0), (12, 0))]
    assert common_windows([fridays, VDI], 2024, 3) == [Window(date(2024, 3, 8), time(10, 0), time(12, 0))]
    assert common_windows([fridays, VDI], 2024, 2) == [Window(date(2024, 2, 9), time(10, 0), time(12, 0))]


def test_fifth_and_last_weekday_patterns():
    fridays = [slot(Weekday.FRIDAY, (9, 0), (12, 0))]
    fifth = [slot(Weekday.FRIDAY, (8, 0), (10, 0), week=5)]
    last = [slot(Weekday.FRIDAY, (11, 0), (15, 0), week=LAST_WEEK)]
    assert common_windows([fridays, fifth], 2024, 3) == [Window(date(2024, 3, 29), time(9, 0), time(10, 0))]
    assert common_windows([fridays, fifth], 2024, 2) == []  # February 2024 has no 5th Friday
    assert common_windows([fridays, last], 2024, 2) == [Window(date(2024, 2, 23), time(11, 0), time(12, 0))]


def test_touching_windows_do_not_overlap_and_two_slots_of_a_day_are_merged():
    morning = [slot(Weekday.MONDAY, (9, 0), (12, 0))]
    afternoon = [slot(Weekday.MONDAY, (12, 0), (15, 0))]
    assert common_windows([morning, afternoon], 2024, 3) == []
    split_day = [slot(Weekday.MONDAY, (9, 0), (12, 0)), slot(Weekday.MONDAY, (12, 0), (16, 0))]
    long_day = [slot(Weekday.MONDAY, (11, 0), (13, 0))]
    assert common_windows([split_day, long_day], 2024, 3)[0] == Window(date(2024, 3, 4), time(11, 0), time(13, 0))


def test_validity_dates_limit_a_slot():
    thursdays_from_mid_march = [slot(Weekday.THURSDAY, (10, 0), (14, 0), valid_from=date(2024, 3, 15))]
    days = [w.day.day for w in common_windows([VID, thursdays_from_mid_march], 2024, 3)]
    assert days == [21, 28]


def test_a_single_desk_has_no_common_window_to_check():
    assert common_windows([VID], 2024, 3) == []


def stored(desk, slots):
    for s in slots:
        ReceptionSchedule.objects.create(
            desk=desk, weekday=s.weekday, week_of_month=s.week_of_month, starts_at=s.starts_at, ends_at=s.ends_at
        )


@pytest.mark.django_db
def test_desk_overlap_of_a_stored_regional_centre():
    valka = CentreFactory(name="Valkas", tier=DevelopmentTier.REGIONAL)
    for short_name, slots in (("VID", VID), ("VZD", VZD)):
        desk = Desk.objects.create(
            centre=valka, institution=InstitutionFactory(short_name=short_name), minimum_basket=True
        )
        stored(desk, slots)
    Desk.objects.create(
        centre=valka, institution=InstitutionFactory(short_name="LAD"), presence=DeskPresence.MUNICIPAL_STAFF
    )  # served by the municipal staff: no schedule to meet
    assert len(desk_overlap(valka, 2024, 3)) == 4
    vdi = Desk.objects.create(centre=valka, institution=InstitutionFactory(short_name="VDI"))
    stored(vdi, VDI)
    assert desk_overlap(valka, 2024, 3) == []
    with translation.override("en"):
        assert vdi.schedules.get().describe() == "Friday, the 2nd in the month 10:00–13:00"
        assert VID[0].describe() == "Monday, every week 09:00–16:00"
