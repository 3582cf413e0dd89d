"""A place's full name (鞍山市…大房身村) is kept per process under the places generation:
read once, then from memory, and a rename of the place or of a place above it is seen on
the next read."""
from __future__ import annotations

from sqlalchemy import event

from workflow import generations
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.operations import rename_place


def _fresh_full_name(app, place_id: int) -> tuple[str, int]:
    """(full name, statements run) in a new request, as a page would read it."""
    seen: list[str] = []

    def collect(conn, cursor, statement, *_args):
        seen.append(statement)

    with app.test_request_context():
        db.session.expunge_all()  # nothing loaded yet, as in a new request
        generations.current(generations.PLACES)  # the request's one read of the tokens
        place = db.session.get(Jurisdiction, place_id)
        event.listen(db.engine, "before_cursor_execute", collect)
        try:
            name = place.full_name
        finally:
            event.remove(db.engine, "before_cursor_execute", collect)
    return name, len(seen)


def test_full_name_is_read_once_and_follows_a_rename_above(app, world):
    village = world.places["v1"]
    first, _ = _fresh_full_name(app, village.id)
    assert first.endswith(village.name) and first.startswith(world.places["city"].name)
    again, statements = _fresh_full_name(app, village.id)
    assert again == first
    assert statements == 0  # no query for the places above
    township = world.places["pianling"]
    rename_place(township.code, "偏岭新镇", "岫政发〔2026〕9号", "2026-05-01",
                 world.users["admin"])
    renamed, _ = _fresh_full_name(app, village.id)
    assert "偏岭新镇" in renamed and renamed != first
