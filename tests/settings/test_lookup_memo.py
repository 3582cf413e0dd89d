"""Repeated settings questions: asked of the database once per process and generation
(workflow/generations.py) and once within a ``lookup.memo()`` block; a value written inside
the block, or committed by another node, is the one read next."""
from __future__ import annotations

from flask import g
from sqlalchemy import event, text

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

    assert _statements(twice) == 2  # the request's generation tokens, then the lookup
    assert _statements(in_block) == 1  # 2026 answered from the process; 2027 asked
    db.session.commit()
    g.pop("_cache_generations", None)  # as a new request would start
    assert _statements(twice) == 1  # only the tokens: the answer is still current


def test_a_value_written_inside_the_block_is_read(world, city_admin):
    village = world.places["v1"]
    with memo():
        assert lookup("poverty_line", place=village, year=2026) is None
        _set(city_admin, "poverty_line", 5300, village, year=2026)
        assert lookup("poverty_line", place=village, year=2026).value == 5300
        _set(city_admin, "poverty_line", 5400, village, year=2026)
        assert lookup("poverty_line", place=village, year=2026).value == 5400
    assert lookup("poverty_line", place=village, year=2026).value == 5400


def test_a_value_committed_by_another_node_is_read_by_the_next_request(world, city_admin):
    village = world.places["v1"]
    _set(city_admin, "poverty_line", 5200, village, year=2026)
    assert lookup("poverty_line", place=village, year=2026).value == 5200
    db.session.commit()
    # Another node, on its own connection: an ORM write there renews the settings
    # generation in its transaction; here it is the same statement the listener runs.
    with db.engine.begin() as other:
        other.execute(text("UPDATE setting_values SET value = '6100'"))
        other.execute(text("UPDATE cache_generations SET token = 'other-node' "
                           "WHERE name = 'settings'"))
    assert lookup("poverty_line", place=village, year=2026).value == 5200  # this request
    g.pop("_cache_generations", None)  # the next request reads the tokens again
    assert lookup("poverty_line", place=village, year=2026).value == 6100


def test_a_write_behind_the_orm_without_renewal_is_not_seen_until_forget(world, city_admin):
    """Why every write path must go through the ORM or call ``generations.renew``: this is
    the failure the listener prevents (and the test shows it can fail)."""
    from workflow import generations

    village = world.places["v1"]
    _set(city_admin, "poverty_line", 5200, village, year=2026)
    db.session.commit()
    assert lookup("poverty_line", place=village, year=2026).value == 5200
    with db.engine.begin() as other:
        other.execute(text("UPDATE setting_values SET value = '6100'"))
    g.pop("_cache_generations", None)
    assert lookup("poverty_line", place=village, year=2026).value == 5200  # stale
    generations.forget()
    assert lookup("poverty_line", place=village, year=2026).value == 6100



def test_only_a_changed_place_or_setting_renews_its_generation(world, city_admin):
    """A place assigned its own name is 'dirty' for the ORM but unchanged: the caches stay
    valid (every process would otherwise recompute for nothing); a real rename renews the
    places and settings tokens (a setting's answer names its place)."""
    def token(name):
        return db.session.execute(text("SELECT token FROM cache_generations WHERE name = :n"),
                                  {"n": name}).scalar_one_or_none()

    db.session.commit()
    before = token("places")
    village = world.places["v1"]
    village.name = str(village.name)
    assert village in db.session.dirty
    db.session.commit()
    assert token("places") == before
    village.name = "新名村"
    db.session.commit()
    assert token("places") != before and token("settings") is not None
