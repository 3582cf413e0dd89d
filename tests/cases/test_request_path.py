"""The statements one sign-off request runs (issue 15's cheap request path): the token's
user brings the reference-data generations along, and the household brings whether any
department's data disagrees with it, so neither costs a statement of its own."""
from __future__ import annotations

import re

from sqlalchemy import event

from tests.factories import GOOD_SURVEY, Api, make_user
from workflow import generations
from workflow.extensions import db
from workflow.settings import lookup


def _statements(run) -> list[str]:
    """The SQL of each statement ``run`` executes, in order."""
    seen: list[str] = []

    def collect(conn, cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", collect)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", collect)
    return seen


def _label(statement: str) -> str:
    """"VERB table" of a statement: a SELECT by its own FROM (subqueries set aside)."""
    verb = statement.split(None, 1)[0].upper()
    outer = statement
    while re.search(r"\([^()]*\)", outer):
        outer = re.sub(r"\([^()]*\)", "", outer)
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", outer)
    return f"{verb} {table.group(1) if table else statement[:60]}"


def _tables(run) -> list[str]:
    """(verb, table) of each statement ``run`` executes, in order."""
    return [_label(s) for s in _statements(run)]


def _survey_case(client, world, index: int) -> tuple[Api, int, int]:
    clerk, helper = Api(client, "clerk"), Api(client, "helper")
    case = clerk.post("/api/v1/cases", json={"procedure": "household_exit",
                                             "subject_id": world.households[index].id})
    assert case.status_code == 201, case.get_json()
    return helper, case.get_json()["id"], case.get_json()["version"]


def test_a_minimal_sign_off_reads_no_generations_and_no_discrepancies_of_its_own(client,
                                                                                world):
    answers = []

    def sign_off(helper, case_id, version):
        answers.append(helper.client.post(
            f"/api/v1/cases/{case_id}/actions/submit_survey",
            json={"version": version, "opinion": "核算完毕", "data": GOOD_SURVEY},
            headers={**helper.headers, "Prefer": "return=minimal"}))

    sign_off(*_survey_case(client, world, 1))  # the process's caches (places, settings) fill
    case = _survey_case(client, world, 0)
    statements = _tables(lambda: sign_off(*case))
    assert answers[-1].status_code == 200, answers[-1].get_json()
    assert answers[-1].get_json()["state"] == "democratic_appraisal"
    reads = [s for s in statements if s.startswith("SELECT")]
    # The token's user (generations inside), the case, the household (the discrepancy
    # flag inside): nothing else is read before the writes.
    assert [r.split()[1] for r in reads] == ["users", "cases", "households"], statements
    assert not any("cache_generations" in s or "sector_discrepancies" in s
                   for s in statements), statements  # no statement of their own
    assert statements.count("UPDATE cases") == 1
    assert statements.count("INSERT audit_events") == 1


def test_the_token_statement_gives_the_request_the_current_generations(app, client, world):
    from flask import g

    from tests.settings.test_store import _set
    from workflow.auth.operations import user_for_token

    city_admin = make_user("city_admin", ("admin", world.places["city"]), name="郑市管理员")
    token = Api(client, "helper").headers["Authorization"][7:]

    def tokens_seen() -> dict:
        with app.test_request_context():
            assert user_for_token(token).username == "helper"
            primed = dict(g.get("_cache_generations") or {})
            g.pop("_cache_generations")
            assert generations.current(generations.SETTINGS) == primed[generations.SETTINGS]
            return primed

    before = tokens_seen()
    _set(city_admin, "poverty_line", 5300, world.places["county"], year=2026)
    after = tokens_seen()
    assert after[generations.SETTINGS] and after[generations.SETTINGS] != before[
        generations.SETTINGS]  # the write renewed the token; the next request reads it
    with app.test_request_context():
        user_for_token(token)
        assert lookup("poverty_line", place=world.places["v1"], year=2026).value == 5300


def test_the_to_do_page_lists_households_without_loading_their_members(client, world, as_user):
    for index in (0, 1):  # 王建国 and 张喆, both waiting for the helper's survey
        _survey_case(client, world, index)
    generations.renew(db.session, generations.DELEGATIONS)  # as migration 0041 leaves it
    db.session.commit()
    browser = as_user("helper")
    browser.get("/")  # the process's caches fill
    pages = []
    raw = _statements(lambda: pages.append(browser.get("/")))
    statements = [_label(s) for s in raw]
    page = pages[0].get_data(as_text=True)
    assert pages[0].status_code == 200
    assert "王建国" in page and "张喆" in page
    assert "SELECT households" in statements, statements
    assert not any("household_members" in s for s in raw), statements  # not on a list
    # The helper is nobody's delegate (the process's list of delegates says so): no query.
    assert not any("FROM delegations" in s for s in raw), [
        s[:300] for s in raw if "delegations" in s]
    assert len(statements) <= 8, statements
