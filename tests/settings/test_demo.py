"""The demo's settings: a line for every year to this one, later figures marked demo."""
from __future__ import annotations

from workflow import clock
from workflow.audit import admin
from workflow.audit.models import AdminEvent
from workflow.extensions import db
from workflow.settings import lookup
from workflow.settings.demo import DEMO, seed_settings


def test_lines_to_this_year_on_the_trail_and_marked_after_2020(world, city_admin):
    this_year = clock.today().year
    count = seed_settings(city_admin)
    # lines, monitoring thresholds, and the city's two 帮扶进展 quality targets
    assert count == (this_year - 2016 + 1) + (this_year - 2021 + 1) + 2
    for year in range(2016, this_year + 1):
        line = lookup("poverty_line", place=world.places["v1"], year=year)
        assert line is not None and line.source != "系统默认值"
        assert (line.document == DEMO) == (year > 2020)
    assert lookup("poverty_line", year=2019).value == 3747
    threshold = lookup("monitoring_threshold", year=2021)
    assert threshold.value == 6000 and threshold.document != DEMO
    if this_year > 2021:
        assert lookup("monitoring_threshold", year=this_year).document == DEMO
    assert db.session.query(AdminEvent).count() == count
    assert admin.verify() == (count, [])
