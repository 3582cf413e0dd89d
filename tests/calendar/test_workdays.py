"""Working-day arithmetic on the package's real 2025/2026 data, additions overriding the
Monday-Friday fallback for a year the package does not know."""
from __future__ import annotations

import datetime as dt

import pytest

from workflow.calendar import operations as ops
from workflow.calendar import workdays
from workflow.calendar.workdays import WorkCalendar

D = dt.date


def test_the_installed_package_knows_2025_and_2026_but_not_2027():
    assert {2025, 2026} <= workdays.PACKAGE_YEARS
    assert 2027 not in workdays.PACKAGE_YEARS


def test_across_the_2026_spring_festival_and_its_make_up_saturdays():
    calendar = WorkCalendar()
    # 2026-02-14 (Saturday) is a make-up working day; 15-23 February the holiday.
    assert calendar.is_workday(D(2026, 2, 14)) and not calendar.is_workday(D(2026, 2, 16))
    assert calendar.add(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert calendar.add(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # 13, 14 (Sat), 24-28 (28: Sat), then 2-6, 9-13, 16-18 March
    assert calendar.add(D(2026, 2, 12), 20) == D(2026, 3, 18)
    assert calendar.between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert calendar.between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    # 2026-02-28 (Saturday) is a working day too: Friday 27th + 1 is the Saturday.
    assert calendar.add(D(2026, 2, 27), 1) == D(2026, 2, 28)
    assert calendar.fallback_years == set()


def test_across_the_2025_spring_festival():
    calendar = WorkCalendar()
    # 2025: 26 January (Sunday) worked, 28 January - 4 February off, 8 February (Sat) worked.
    assert calendar.add(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert calendar.add(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert calendar.add(D(2025, 2, 7), 1) == D(2025, 2, 8)
    assert calendar.add(D(2025, 1, 24), 0) == D(2025, 1, 24)
    with pytest.raises(ValueError):
        calendar.add(D(2025, 1, 24), -1)


def test_an_unknown_year_falls_back_to_weekdays_and_says_so():
    calendar = WorkCalendar()
    assert calendar.add(D(2027, 2, 5), 1) == D(2027, 2, 8)  # Friday -> Monday
    assert calendar.fallback_years == {2027}


def test_an_addition_overrides_the_fallback(world, city_admin):
    assert workdays.working_days_after(D(2027, 2, 5), 1) == D(2027, 2, 8)
    ops.set_day(city_admin, "2027-02-06", "调休上班日", "春节", "国办发明电〔2026〕X号")
    for day in ("2027-02-08", "2027-02-09"):
        ops.set_day(city_admin, day, "holiday", "春节")
    calendar = workdays.load()
    assert calendar.add(D(2027, 2, 5), 1) == D(2027, 2, 6)
    assert calendar.add(D(2027, 2, 5), 2) == D(2027, 2, 10)
    assert calendar.fallback_years == set() and calendar.knows(2027)
    assert workdays.working_days_between(D(2027, 2, 5), D(2027, 2, 10)) == 2
    assert workdays.unknown_years([2026, 2027, 2028]) == [2028]


def test_an_addition_overrides_the_package(world, city_admin):
    ops.set_day(city_admin, "2026-03-02", "holiday", "地方假日")
    assert workdays.working_days_after(D(2026, 2, 27), 2) == D(2026, 3, 3)
