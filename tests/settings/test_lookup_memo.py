"""``lookup.memo()``: a repeated question is asked of the database once within the block,
and a value written inside the block is still the one read."""
from __future__ import annotations

from sqlalchemy import event

from tests.settings.test_store import _set
from workflow.extensions import db
from workflow.settings import lookup
from workflow.settings.lookup import memo


def _statements(run) -> int:
    seen = []

    def count(*_args, **_kw):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_a_repeated_question_costs_one_query_inside_the_block(world, city_admin):
    village = world.places["v1"]
    _set(city_admin, "poverty_line", 5200, world.places["county"], year=2026)

    def twice():
        assert lookup("poverty_line", place=village, year=2026).value == 5200
        assert lookup("poverty_line", place=village, year=2026).value == 5200

    def in_block():
        with memo():
            twice()
            assert lookup("poverty_line", place=village, year=2027) is None  # another year

    assert _statements(twice) == 2
    assert _statements(in_block) == 2


def test_a_value_written_inside_the_block_is_read(world, city_admin):
    village = world.places["v1"]
    with memo():
        assert lookup("poverty_line", place=village, year=2026) is None
        _set(city_admin, "poverty_line", 5300, village, year=2026)
        assert lookup("poverty_line", place=village, year=2026).value == 5300
        _set(city_admin, "poverty_line", 5400, village, year=2026)
        assert lookup("poverty_line", place=village, year=2026).value == 5400
    assert lookup("poverty_line", place=village, year=2026).value == 5400
