"""Tamper evidence an insider with database access cannot recompute: keyed seals on every
event, a case row checked against its trail, and signed checkpoints kept outside the
database (issue 13 item 6)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from tests.audit.test_verify import case_id, run_verify, tamper  # noqa: F401 (fixture)
from tests.factories import GOOD_CONSENT, Api
from workflow import create_app
from workflow.audit import anchors
from workflow.audit.keys import AuditKeyError, load_key
from workflow.audit.models import GENESIS, AuditEvent
from workflow.cases.models import Case
from workflow.extensions import db


@pytest.fixture(autouse=True)
def anchor_folder(app, tmp_path):
    """Each test its own checkpoint file."""
    before = app.config["AUDIT_ANCHOR_FOLDER"]
    app.config["AUDIT_ANCHOR_FOLDER"] = str(tmp_path / "anchors")
    yield tmp_path / "anchors"
    app.config["AUDIT_ANCHOR_FOLDER"] = before


def rehash_plain(case_id: int, from_seq: int, *, drop_seals: bool = False) -> None:  # noqa: F811
    """What an insider without the key can do: recompute every plain SHA-256 link from
    ``from_seq`` on and fix the head on the case row."""
    events = db.session.execute(db.select(AuditEvent).filter_by(case_id=case_id)
                                .order_by(AuditEvent.seq)).scalars().all()
    prev = events[from_seq - 2].hash if from_seq > 1 else GENESIS
    for event in events[from_seq - 1:]:
        event.prev_hash = prev
        event.hash = prev = event.compute_hash()
        if drop_seals:
            event.mac = None
    db.session.commit()
    tamper("UPDATE cases SET trail_head = :h WHERE id = :c", h=prev, c=case_id)


def test_an_edited_event_with_the_rest_of_its_chain_rehashed_is_found(app, case_id):  # noqa: F811
    tamper("UPDATE audit_events SET opinion = '伪造意见' WHERE case_id = :c AND seq = 2",
           c=case_id)
    rehash_plain(case_id, 2)
    result = run_verify(app)
    assert result.exit_code == 1
    assert "第 2 条: 密钥签名不符：记录被修改后重算了哈希" in result.output
    assert "前序哈希不符" not in result.output and "链尾" not in result.output


def test_seals_cleared_with_the_rehash_are_found(app, case_id):  # noqa: F811
    tamper("UPDATE audit_events SET opinion = '伪造意见' WHERE case_id = :c AND seq = 3",
           c=case_id)
    rehash_plain(case_id, 3, drop_seals=True)
    result = run_verify(app)
    assert result.exit_code == 1 and "第 3 条: 缺少密钥签名" in result.output


def checkpoint(app):
    return app.test_cli_runner().invoke(args=["audit", "checkpoint"])


def test_a_deleted_last_event_with_the_head_fixed_is_found_by_the_checkpoint(app, case_id):  # noqa: F811
    written = checkpoint(app)
    assert written.exit_code == 0, written.output
    assert "checkpoint written" in written.output and "1 cases" in written.output
    third = db.session.execute(db.select(AuditEvent).filter_by(case_id=case_id, seq=3)
                               ).scalar_one()
    # The cut an insider makes so that the rest is consistent: the head, the count, the
    # version and the co-signature of the deleted event all set back.
    tamper("DELETE FROM audit_events WHERE case_id = :c AND seq = 4", c=case_id)
    tamper("UPDATE cases SET trail_head = :h, event_count = 3, version = 3, cosigns = '{}' "
           "WHERE id = :c", h=third.hash, c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1, result.output
    assert "留痕记录只有 3 条，少于检查点记录的 4 条：末尾记录被删除" in result.output
    assert result.output.count(f"案件 {case_id}") == 1  # nothing else gives it away


def test_a_rewritten_history_and_a_deleted_case_are_found_by_the_checkpoint(app, client,
                                                                            world, case_id):  # noqa: F811
    from tests.cases.test_household_exit import start

    other = start({"clerk": Api(client, "clerk")}, world, 1)
    assert checkpoint(app).exit_code == 0
    tamper("DELETE FROM case_tallies")  # the board, not the trail
    tamper("DELETE FROM notices WHERE case_id = :c", c=other)
    tamper("DELETE FROM audit_events WHERE case_id = :c", c=other)
    tamper("DELETE FROM cases WHERE id = :c", c=other)
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"案件 {other}: 案件记录缺失：检查点记有其 1 条留痕记录" in result.output


def test_a_checkpoint_is_never_written_over_a_broken_chain(app, case_id, anchor_folder):  # noqa: F811
    tamper("UPDATE audit_events SET opinion = 'x' WHERE case_id = :c AND seq = 2", c=case_id)
    result = checkpoint(app)
    assert result.exit_code == 1 and "no checkpoint written" in result.output
    assert not (anchor_folder / anchors.FILE_NAME).exists()


def test_an_edited_checkpoint_is_reported(app, case_id, anchor_folder):  # noqa: F811
    assert checkpoint(app).exit_code == 0
    path = anchor_folder / anchors.FILE_NAME
    line = json.loads(path.read_text())
    line["body"]["heads"]["cases"][0][1] = 2  # "the case had only 2 events"
    path.write_text(json.dumps(line) + "\n")
    result = run_verify(app)
    assert result.exit_code == 1 and "检查点: 检查点文件倒数第 1 行签名不符" in result.output


def test_a_direct_update_of_the_case_state_is_found(app, case_id):  # noqa: F811
    assert run_verify(app).exit_code == 0
    tamper("UPDATE cases SET state = 'filed' WHERE id = :c", c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1
    assert ("案件状态「已销号备案」与留痕记录的「村级核实（村两委、驻村工作队）」不符："
            "记录被直接修改") in result.output


def test_a_state_edited_then_signed_off_on_stays_found(app, client, case_id):  # noqa: F811
    """The work team's co-verification skipped by an UPDATE, then a genuine sign-off
    moves on from the forged state: the break stays visible at that sign-off."""
    tamper("UPDATE cases SET state = 'household_consent' WHERE id = :c", c=case_id)
    response = Api(client, "clerk").act(case_id, "confirm_consent", GOOD_CONSENT)
    assert response.status_code == 200, response.get_json()
    result = run_verify(app)
    assert result.exit_code == 1
    assert ("第 5 条: 办理前状态「户认可」与上一条记录办理后的「村级核实（村两委、驻村工作队）」"
            "不符：案件状态曾被直接修改") in result.output


def test_a_direct_update_of_the_case_data_is_found(app, case_id):  # noqa: F811
    data = db.session.execute(db.select(Case.data).filter_by(id=case_id)).scalar_one()
    data["submit_survey"]["wages"] = "99999.00"
    tamper("UPDATE cases SET data = :d WHERE id = :c", d=json.dumps(data), c=case_id)
    result = run_verify(app)
    assert result.exit_code == 1 and "案件表单数据与留痕记录不符：记录被直接修改" in result.output


def test_direct_updates_of_signers_and_version_are_found(app, case_id):  # noqa: F811
    tamper("UPDATE cases SET signers = '{}', version = 9 WHERE id = :c", c=case_id)
    result = run_verify(app)
    assert "案件签署人员与留痕记录不符" in result.output
    assert "案件版本号 9 与留痕记录条数 4 不符" in result.output


def test_unsealed_events_are_reported_until_sealed_and_a_broken_chain_is_not_sealed(
        app, case_id):  # noqa: F811
    tamper("UPDATE audit_events SET mac = NULL WHERE case_id = :c", c=case_id)
    assert "缺少密钥签名" in run_verify(app).output
    sealed = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "4 events sealed" in sealed.output, sealed.output
    assert run_verify(app).exit_code == 0
    tamper("UPDATE audit_events SET mac = NULL WHERE case_id = :c", c=case_id)
    tamper("UPDATE audit_events SET opinion = 'x' WHERE case_id = :c AND seq = 2", c=case_id)
    refused = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert refused.exit_code == 1 and "nothing sealed" in refused.output
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.mac.is_not(None))).scalar_one() == 0


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    settings = {"PRODUCTION": True, "SECRET_KEY": "k" * 20 + "abcdefghijklmnop",
                "AUDIT_KEY_FILE": str(tmp_path / "missing"),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                "RATELIMIT_PER_PROCESS": True}  # memory:// accepted: one process
    with pytest.raises(AuditKeyError, match="生产模式必须设置审计密钥"):
        create_app(settings)
    with pytest.raises(AuditKeyError, match="太短"):
        create_app({**settings, "AUDIT_KEY": "short"})
    assert create_app({**settings, "AUDIT_KEY": "a1" * 20}) is not None


def test_development_keeps_one_private_key_per_install(app, tmp_path):
    path = tmp_path / "audit_key"
    before = app.config["AUDIT_KEY"], app.config.get("AUDIT_KEY_FILE")
    app.config.update({"AUDIT_KEY": None, "AUDIT_KEY_FILE": str(path)})
    try:
        first = load_key(app)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert load_key(app) == first and len(first) == 64
    finally:
        app.config["AUDIT_KEY"], app.config["AUDIT_KEY_FILE"] = before
