"""Drafts from the offline page through the real app and database: the package holds the
user's own scope only, a draft is applied once whatever how often it is sent, a draft
whose case moved on comes back with what changed, bad ones are refused like any sign-off,
and the service worker gets the headers it needs."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.factories import GOOD_SURVEY
from workflow.audit.models import AuditEvent
from workflow.cases.operations import create_case, perform
from workflow.extensions import db
from workflow.offline.models import DraftReceipt


def survey_events(case_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "submit_survey")).scalar_one()


def draft(case_id: int, version: int = 1, **data) -> dict:
    return {"key": str(uuid.uuid4()), "case_id": case_id, "action": "submit_survey",
            "version": version, "data": {**GOOD_SURVEY, **data}, "opinion": "入户核算属实"}


def post(client, body, token):
    return client.post("/offline/drafts", json=body, headers={"X-CSRFToken": token})


def test_the_package_is_the_users_own_scope(world, as_user):
    mine = create_case("household_exit", world.households[0].id, world.users["clerk"])
    create_case("household_exit", world.households[2].id, world.users["other_clerk"])
    body = as_user("helper").get("/offline/package").get_json()
    assert [c["id"] for c in body["cases"]] == [mine.id]
    case = body["cases"][0]
    assert case["action"] == "submit_survey" and case["version"] == 1
    assert case["household"]["masked_id"] != world.households[0].id_number
    wages = next(f for f in case["form"]["fields"] if f["name"] == "wages")
    assert wages["bounds"] == {"min": 0, "max": 10000000}
    assert case["form"]["inputs"]["wages"] == {"type": "number", "inputmode": "decimal"}
    assert {h["head_name"] for h in body["households"]} == {"王建国", "张喆"}
    assert body["csrf_token"]
    assert world.households[0].id_number not in str(body)


def test_a_draft_is_applied_once(world, as_user):
    case = create_case("household_exit", world.households[0].id, world.users["clerk"])
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    body = draft(case.id)
    first = post(client, body, token)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["outcome"] == "applied" and first.get_json()["version"] == 2
    again = post(client, body, token)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert survey_events(case.id) == 1
    receipt = db.session.execute(select(DraftReceipt)).scalar_one()
    assert (receipt.key, receipt.based_on_version, receipt.new_version) == (body["key"], 1, 2)


def test_a_draft_whose_case_moved_on_comes_back(world, as_user):
    case = create_case("household_exit", world.households[0].id, world.users["clerk"])
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    perform(case, "submit_survey", world.users["clerk"], version=1, data=GOOD_SURVEY)
    response = post(client, draft(case.id, wages="5000"), token)
    assert response.status_code == 409
    body = response.get_json()
    assert body["outcome"] == "returned" and body["state_title"] == "民主评议"
    assert [(c["actor"], c["action"]) for c in body["changes"]] == [("李秀英", "提交入户核算")]
    assert survey_events(case.id) == 1
    assert db.session.execute(select(func.count()).select_from(DraftReceipt)).scalar_one() == 0


def test_bad_drafts_are_refused_in_chinese(world, as_user):
    case = create_case("household_exit", world.households[0].id, world.users["clerk"])
    client = as_user("helper")
    token = client.get("/offline/package").get_json()["csrf_token"]
    wrong = post(client, draft(case.id, wages="-5"), token)
    assert wrong.status_code == 422
    assert "「工资性收入（元）」应在 0 至 10000000 之间" in wrong.get_json()["errors"]["wages"]
    for body, status in [({"key": "x", "case_id": case.id, "action": "submit_survey",
                           "version": 1}, 422), ("[]", 422), ({**draft(case.id), "version": "a"},
                                                             422),
                         ({**draft(case.id), "action": "verify"}, 404),
                         ({**draft(case.id), "case_id": 10**12}, 404)]:
        response = post(client, body, token)
        assert response.status_code == status, (body, response.get_json())
        assert response.get_json()["message"]
    assert post(client, draft(case.id), "not-a-token").status_code == 400
    other = as_user("other_clerk")
    other_token = other.get("/offline/package").get_json()["csrf_token"]
    assert post(other, draft(case.id), other_token).status_code == 404  # not in its scope
    assert survey_events(case.id) == 0


def test_signed_out_and_worker_headers(client, world):
    assert client.get("/offline/package").status_code == 401
    assert client.get("/offline").status_code == 302
    worker = client.get("/static/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/offline"
    assert "connect-src 'self'" in worker.headers["Content-Security-Policy"]
    manifest = client.get("/offline/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.get_json()["scope"] == "/offline"
    assert client.get(manifest.get_json()["icons"][0]["src"]).status_code == 200


def test_a_deactivated_account_gets_nothing(world, as_user):
    """What the page asks for after the account is deactivated: 401, no package."""
    from workflow.admin import operations as admin_ops

    create_case("household_exit", world.households[0].id, world.users["clerk"])
    client = as_user("helper")
    assert client.get("/offline/package").status_code == 200
    admin_ops.deactivate(world.users["admin"], world.users["helper"])
    response = client.get("/offline/package")
    assert response.status_code == 401 and "cases" not in response.get_json()


def test_two_copies_sent_at_once_act_once(app, world, postgres_only):
    """The same draft from two tabs at the same moment: one event, one receipt; the other
    copy is answered duplicate (it lost on the version or on the unique key)."""
    from tests.factories import at_once
    from workflow.auth.models import User
    from workflow.offline.operations import submit

    case_id = create_case("household_exit", world.households[0].id, world.users["clerk"]).id
    body = draft(case_id)
    db.session.remove()

    def send(ready) -> str:
        user = db.session.execute(select(User).filter_by(username="helper")).scalar_one()
        ready()
        return submit(user, body)["outcome"]

    outcomes = at_once(app, [(), ()], send, timeout=30)
    assert sorted(outcomes) == ["applied", "duplicate"], outcomes
    assert survey_events(case_id) == 1
    assert db.session.execute(select(func.count()).select_from(DraftReceipt)).scalar_one() == 1
