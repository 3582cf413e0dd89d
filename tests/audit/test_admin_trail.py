"""The administration trail: events chained per place, verified, anchored, scoped."""
from __future__ import annotations

import pytest

from tests.audit.test_verify import run_verify, tamper
from workflow.audit import admin
from workflow.audit.models import AdminEvent
from workflow.extensions import db

admin.actions({"test_changed": "测试变更"})


def _record(world, place_key="county", n=1):
    for i in range(n):
        admin.record(world.places[place_key], "test_changed", world.users["admin"],
                     f"变更 {i}", {"field": {"before": i, "after": i + 1}}, target=f"t:{i}")
    db.session.commit()


def test_events_chain_per_place_and_verify(app, world):
    _record(world, n=3)
    _record(world, "v1")
    county = world.places["county"]
    db.session.refresh(county)
    events = db.session.execute(db.select(AdminEvent).order_by(AdminEvent.id)).scalars().all()
    assert [(e.place_id, e.seq) for e in events] == [(county.id, 1), (county.id, 2),
                                                     (county.id, 3), (world.places["v1"].id, 1)]
    assert events[0].role == "admin" and events[0].action_title == "测试变更"
    assert (county.admin_seq, county.admin_head) == (3, events[2].hash)
    assert admin.verify() == (4, [])
    result = run_verify(app)
    assert result.exit_code == 0 and "4 administration events, 0 problems" in result.output


def test_an_unnamed_action_is_refused(world):
    with pytest.raises(KeyError):
        admin.record(world.places["county"], "nobody_named_me", world.users["admin"], "", {})


@pytest.mark.parametrize("sql, reason", [
    ("UPDATE admin_events SET summary = '篡改' WHERE seq = 2", "内容哈希不符"),
    ("DELETE FROM admin_events WHERE seq = 3", "链尾与地区记录不符"),
    ("DELETE FROM admin_events WHERE seq = 2", "前序哈希不符"),
])
def test_tampering_is_found(app, world, sql, reason):
    _record(world, n=3)
    tamper(sql)
    result = run_verify(app)
    assert result.exit_code == 1 and reason in result.output and "管理留痕" in result.output


def test_a_cut_tail_with_a_reset_head_is_caught_by_the_checkpoint(app, world, tmp_path):
    app.config["AUDIT_ANCHOR_FOLDER"] = str(tmp_path)
    try:
        _record(world, n=3)
        assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
        county = world.places["county"]
        db.session.refresh(county)
        second = db.session.execute(db.select(AdminEvent.hash).where(
            AdminEvent.seq == 2)).scalar_one()
        tamper("DELETE FROM admin_events WHERE seq = 3")
        tamper("UPDATE jurisdictions SET admin_seq = 2, admin_head = :h WHERE id = :i",
               h=second, i=county.id)
        result = run_verify(app)
        assert result.exit_code == 1 and "少于检查点记录的 3 条" in result.output
    finally:
        app.config["AUDIT_ANCHOR_FOLDER"] = None


def test_events_in_scope_follow_the_readers_places(world):
    _record(world, "v1")
    _record(world, "yanggu")
    seen = db.session.execute(admin.events_in_scope(world.users["clerk"])).scalars().all()
    assert [e.jurisdiction_path for e in seen] == [world.places["v1"].path]


def test_commands_act_as_the_server_command_line_account(world):
    actor = admin.cli_actor()
    assert admin.cli_actor() is actor  # created once
    assert (actor.active, actor.check_password(""), actor.check_password("!")) == (
        False, False, False)
    values = admin.record(world.places["county"], "test_changed", actor, "命令行变更", {})
    assert (values["actor_name"], values["role"]) == ("服务器命令行", "")


def test_the_auditors_verify_button_checks_the_administration_trail_in_scope(world, as_user):
    from tests.audit.test_verify import tamper
    from tests.web.test_pages import csrf

    _record(world, n=2)
    auditor = as_user("auditor")
    page = auditor.post("/oversight/verify", data={"csrf_token": csrf(auditor, "/oversight")})
    assert "2 条管理留痕，留痕完整" in page.get_data(as_text=True)
    tamper("UPDATE admin_events SET summary = '篡改' WHERE seq = 1")
    page = auditor.post("/oversight/verify", data={"csrf_token": csrf(auditor, "/oversight")})
    text = page.get_data(as_text=True)
    assert "岫岩满族自治县 管理留痕 第 1 条: 内容哈希不符" in text
