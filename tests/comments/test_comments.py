"""批注 on a case: a mention notifies, a mention out of scope is refused, replies thread,
the chain catches tampering, the case does not move, bad input names 批注内容, scope."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from tests.cases.test_household_exit import start
from tests.factories import Api
from tests.web.test_pages import csrf
from workflow.audit.chain import verify
from workflow.cases.models import Case
from workflow.comments.models import CaseComment
from workflow.extensions import db
from workflow.notifications.models import Notification


@pytest.fixture
def apis(client, world):
    return {name: Api(client, name) for name in
            ("clerk", "helper", "township", "county", "auditor", "other_clerk")}


def comment(api, case_id: int, body: str, parent_id: int | None = None):
    payload = {"body": body} | ({"parent_id": parent_id} if parent_id else {})
    return api.post(f"/api/v1/cases/{case_id}/comments", json=payload)


def unread(username: str) -> list[Notification]:
    from workflow.auth.models import User

    db.session.expire_all()
    user_id = db.session.execute(select(User.id).filter_by(username=username)).scalar_one()
    return list(db.session.execute(select(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalars())


def test_a_mention_notifies_the_mentioned_user_in_the_top_bar(apis, world, as_user):
    case_id = start(apis, world)
    township = as_user("township")
    assert 'data-unread="0"' in township.get("/").get_data(as_text=True)
    browser = as_user("clerk")
    token = csrf(browser, f"/cases/{case_id}")
    response = browser.post(f"/cases/{case_id}/comments", data={
        "csrf_token": token, "body": "@township 请关注该户务工收入"})
    assert response.status_code == 302, response.get_data(as_text=True)
    mentions = [n for n in unread("township") if n.kind == "mention"]
    assert len(mentions) == 1 and "李秀英" in mentions[0].text
    assert 'data-unread="1"' in township.get("/").get_data(as_text=True)
    page = township.get("/notifications").get_data(as_text=True)
    assert "在批注中提到了您" in page
    token = csrf(township, "/notifications")
    township.post(f"/notifications/{mentions[0].id}/read", data={"csrf_token": token})
    assert 'data-unread="0"' in township.get("/").get_data(as_text=True)
    case_page = township.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "请关注该户务工收入" in case_page and 'id="comments"' in case_page


def test_a_mention_outside_the_cases_scope_is_refused_and_nothing_written(apis, world):
    case_id = start(apis, world)
    response = comment(apis["clerk"], case_id, "@other_clerk 你看一下")
    assert response.status_code == 422
    message = response.get_json()["errors"]["body"][0]
    assert "批注内容" in message and "@other_clerk" in message
    assert comment(apis["clerk"], case_id, "@nobody 你好").status_code == 422
    assert db.session.execute(select(CaseComment)).first() is None
    assert unread("other_clerk") == []


def test_a_reply_threads_and_the_case_does_not_move(apis, world):
    case_id = start(apis, world)
    version = apis["clerk"].get(f"/api/v1/cases/{case_id}").get_json()["version"]
    first = comment(apis["clerk"], case_id, "先核实一下房屋").get_json()
    reply = comment(apis["township"], case_id, "已安排", parent_id=first["id"]).get_json()
    comment(apis["helper"], case_id, "另一条")
    listed = apis["auditor"].get(f"/api/v1/cases/{case_id}/comments").get_json()["comments"]
    assert [(c["body"], c["parent_id"]) for c in listed] == [
        ("先核实一下房屋", None), ("已安排", first["id"]), ("另一条", None)]
    assert reply["parent_id"] == first["id"]
    # The version the clerk's page holds still signs off: comments never bump it.
    from tests.factories import GOOD_SURVEY

    assert apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY,
                              version=version).status_code == 200
    # A reply to a comment of another case is refused, naming the field.
    other = start(apis, world, household_index=1)
    wrong = comment(apis["clerk"], other, "回复", parent_id=first["id"])
    assert wrong.status_code == 422 and "回复的批注" in wrong.get_json()["errors"]["parent_id"][0]


@pytest.mark.parametrize("body, words", [
    ("", "不能为空"), ("   \n ", "不能为空"), ("字" * 2001, "不能超过 2000"),
    ("坏\x07字符", "无法识别"), ("\ud800", "无法识别"), (None, "无法识别"), (12, "无法识别")])
def test_bad_comment_text_names_the_field_and_writes_nothing(apis, world, body, words):
    case_id = start(apis, world)
    response = apis["clerk"].post(f"/api/v1/cases/{case_id}/comments", json={"body": body})
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        message = response.get_json()["errors"]["body"][0]
        assert "批注内容" in message and words in message
    assert db.session.execute(select(CaseComment)).first() is None


def test_bad_form_text_rerenders_the_page_with_the_message(apis, world, as_user):
    case_id = start(apis, world)
    browser = as_user("clerk")
    token = csrf(browser, f"/cases/{case_id}")
    response = browser.post(f"/cases/{case_id}/comments", data={"csrf_token": token,
                                                               "body": "字" * 2001})
    assert response.status_code == 422
    assert "「批注内容」不能超过 2000 个字" in response.get_data(as_text=True)
    assert browser.post(f"/cases/{case_id}/comments",
                        data={"body": "没有令牌"}).status_code == 400  # CSRF as elsewhere
    assert db.session.execute(select(CaseComment)).first() is None


def test_no_comment_on_a_case_outside_the_users_places(apis, world, as_user):
    case_id = start(apis, world)
    assert comment(apis["other_clerk"], case_id, "看不到的案件").status_code == 404
    assert apis["other_clerk"].get(f"/api/v1/cases/{case_id}/comments").status_code == 404
    browser = as_user("other_clerk")
    token = csrf(browser, "/")
    assert browser.post(f"/cases/{case_id}/comments",
                        data={"csrf_token": token, "body": "x"}).status_code == 404
    assert db.session.execute(select(CaseComment)).first() is None


def test_tampering_a_comment_makes_audit_verify_fail(apis, world, app):
    case_id = start(apis, world)
    comment(apis["clerk"], case_id, "原始批注")
    comment(apis["township"], case_id, "第二条")
    assert verify()[1] == []
    ok = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE case_comments SET body = '改过的批注' WHERE seq = 1"))
    db.session.expire_all()
    problems = [str(p) for p in verify()[1]]
    assert any("批注" in p and "内容哈希不符" in p for p in problems), problems
    failed = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert failed.exit_code == 1 and "批注" in failed.output
    with db.engine.begin() as conn:  # the last comment deleted: the chain row says so
        conn.execute(text("UPDATE case_comments SET body = '原始批注' WHERE seq = 1"))
        conn.execute(text("DELETE FROM case_comments WHERE seq = 2"))
    db.session.expire_all()
    assert any("链尾" in str(p) for p in verify()[1])
    assert db.session.get(Case, case_id).version == 1  # the comments never moved it


def test_a_checkpoint_finds_a_deleted_last_comment_with_the_chain_row_set_back(
        apis, world, app, tmp_path):
    before = app.config["AUDIT_ANCHOR_FOLDER"]
    app.config["AUDIT_ANCHOR_FOLDER"] = str(tmp_path / "anchors")
    try:
        case_id = start(apis, world)
        comment(apis["clerk"], case_id, "原始批注")
        comment(apis["township"], case_id, "第二条")
        written = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
        assert written.exit_code == 0 and "1 comments" in written.output, written.output
        first_hash = db.session.execute(text(
            "SELECT hash FROM case_comments WHERE seq = 1")).scalar_one()
        with db.engine.begin() as conn:  # the insider also sets the chain row back
            conn.execute(text("DELETE FROM case_comments WHERE seq = 2"))
            conn.execute(text("UPDATE case_comment_chains SET seq = 1, head = :h"),
                         {"h": first_hash})
        db.session.expire_all()
        problems = [str(p) for p in verify()[1]]
        assert any("批注" in p and "少于检查点" in p for p in problems), problems
        with db.engine.begin() as conn:  # and then the whole thread with its chain row
            conn.execute(text("DELETE FROM case_comments"))
            conn.execute(text("DELETE FROM case_comment_chains"))
        db.session.expire_all()
        problems = [str(p) for p in verify()[1]]
        assert any("批注链被删除" in p for p in problems), problems
    finally:
        app.config["AUDIT_ANCHOR_FOLDER"] = before


def test_the_case_page_shows_the_thread_beside_the_trail(apis, world, as_user):
    case_id = start(apis, world)
    first = comment(apis["clerk"], case_id, "第一条 @helper").get_json()
    comment(apis["township"], case_id, "回复第一条", parent_id=first["id"])
    page = as_user("auditor").get(f"/cases/{case_id}").get_data(as_text=True)
    assert page.index('id="trail"') < page.index('id="comments"')
    reply = re.search(r'data-comment="\d+" data-parent="(\d+)"', page)
    assert reply and int(reply.group(1)) == first["id"]
    assert "回复第一条" in page


def test_auditors_read_comments_on_the_trail_page_and_in_the_export(apis, world, as_user):
    import io

    from openpyxl import load_workbook

    case_id = start(apis, world)
    first = comment(apis["clerk"], case_id, "=危险公式？不，是批注").get_json()
    comment(apis["township"], case_id, "回复", parent_id=first["id"])
    auditor = as_user("auditor")
    page = auditor.get(f"/oversight/cases/{case_id}").get_data(as_text=True)
    assert "=危险公式？不，是批注" in page and 'id="comments"' in page
    response = auditor.get(f"/oversight/trail.xlsx?case={case_id}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["批注"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["案件编号", "序号", "回复第几条"]
    assert rows[1][0] == case_id and rows[1][6].endswith("不，是批注")
    assert rows[2][2] == 1 and rows[2][6] == "回复"


def test_the_auditors_trail_pdf_carries_the_comments(apis, world, as_user):
    from tests.documents.helpers import pdf_text

    case_id = start(apis, world)
    first = comment(apis["clerk"], case_id, "请核对家庭人口").get_json()
    comment(apis["township"], case_id, "已核对，人口无误", parent_id=first["id"])
    response = as_user("auditor").get(f"/oversight/trail.pdf?case={case_id}")
    assert response.status_code == 200
    text = "".join(pdf_text(response.data).split())
    assert "批注" in text and "请核对家庭人口" in text and "已核对，人口无误" in text
    assert text.index("请核对家庭人口") < text.index("已核对，人口无误")
    assert first["hash"][:16] in text
