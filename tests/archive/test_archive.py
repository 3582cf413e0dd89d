"""A county's archive: exported whole and only the county, imported into an empty
installation where `audit verify` passes and still catches tampering; modified archives,
foreign keys and colliding databases refused; exports recorded as personal data."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select, text

from tests.archive.conftest import members, rewrite
from tests.web.test_pages import csrf, login
from workflow.archive import fileformat as ff
from workflow.archive.tables import RULES, unscoped
from workflow.audit.models import AdminEvent
from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.extensions import db
from workflow.registry.models import Household


def rows(archive: dict[str, bytes], table: str) -> list[dict]:
    return [json.loads(line) for line in archive[ff.member(table)].splitlines()]


def export(app, tmp_path, *extra) -> str:
    out = str(tmp_path / "archive-210323.zip")
    result = app.test_cli_runner().invoke(args=["archive", "export", "--place", "210323",
                                                "--out", out, *extra])
    assert result.exit_code == 0, result.output
    return out


def test_every_table_has_a_scope_rule():
    assert unscoped() == []
    assert {r.kind for r in RULES.values()} <= {"path", "parent", "place", "places", "users",
                                                "versions", "skip"}
    skipped = {name for name, r in RULES.items() if r.kind == "skip"}
    assert {"api_tokens", "user_sessions", "login_failures"} <= skipped


def test_archive_holds_the_county_and_nothing_else(app, county, tmp_path):
    archive = members(export(app, tmp_path, "--with-files"))
    manifest = json.loads(archive[ff.MANIFEST])
    assert manifest["place"]["code"] == "210323"
    assert [a["code"] for a in manifest["ancestors"]] == ["210300"]
    assert manifest["schema_revision"] and manifest["key_id"]
    for name, entry in manifest["members"].items():
        assert hashlib.sha256(archive[name]).hexdigest() == entry["sha256"]
    assert ff.signature_holds(manifest)
    codes = {r["code"] for r in rows(archive, "jurisdictions")}
    assert "210381" not in codes and "210381101201" not in codes and "210300" in codes
    households = {r["id"] for r in rows(archive, "households")}
    assert households == {h.id for h in db.session.execute(select(Household).where(
        Household.jurisdiction_path.startswith("/210300/210323/"))).scalars()}
    assert county["far_household"] not in households
    assert county["far_case"] not in {r["id"] for r in rows(archive, "cases")}
    assert {r["case_id"] for r in rows(archive, "audit_events")} == {
        r["id"] for r in rows(archive, "cases")}
    users = rows(archive, "users")
    names = {u["username"] for u in users}
    assert "hc_clerk" not in names and {"clerk", "township", "housing", "admin"} <= names
    assert all(set(u) == {"id", "username", "display_name"} for u in users)
    assert not any("token" in name or "session" in name for name in archive)
    for table in ("register_events", "fund_events", "attachments", "house_appraisals",
                  "fund_allocations", "role_assignments"):
        assert manifest["tables"][table] > 0, table
    files = [n for n in archive if n.startswith("files/")]
    assert files and manifest["missing_files"] == []
    assert {f"files/{r['sha256']}" for r in rows(archive, "attachments")} == set(files)


def test_export_is_recorded_as_personal_data_and_travels_with_the_next(app, county,
                                                                       tmp_path):
    path = export(app, tmp_path)
    event = db.session.execute(select(AdminEvent).where(
        AdminEvent.action == "archive_exported")).scalar_one()
    with open(path, "rb") as handle:
        assert event.data["sha256"] == hashlib.sha256(handle.read()).hexdigest()
    assert event.data["personal_data"] is True and event.data["place"] == "210323"
    assert event.data["tables"]["households"] == 3 and "个人信息" in event.summary
    assert event.actor_name == "服务器命令行" and event.jurisdiction_path == "/210300/210323/"
    again = members(export(app, tmp_path))
    assert [r["action"] for r in rows(again, "admin_events")] == ["archive_exported"]


def test_import_into_an_empty_installation_verifies_and_catches_tampering(
        app, county, tmp_path, receiver_factory):
    path = export(app, tmp_path, "--with-files")
    before = {table: n for table, n in json.loads(members(path)[ff.MANIFEST])["tables"].items()}
    receiver = receiver_factory()
    result = receiver.cli("archive", "import", path)
    assert result.exit_code == 0, result.output
    assert "flask audit checkpoint" in result.output
    verify = receiver.cli("audit", "verify")
    assert verify.exit_code == 0, verify.output
    assert "0 problems" in verify.output
    with receiver.context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == before["cases"]
        clerk = db.session.execute(select(User).filter_by(username="clerk")).scalar_one()
        assert clerk.active is False and not clerk.check_password("Test-口令-2020")
        imported = db.session.execute(select(AdminEvent).where(
            AdminEvent.action == "archive_imported")).scalar_one()
        assert imported.data["resealed"] is False
        from workflow.evidence.operations import storage_path

        sha = db.session.execute(text("SELECT sha256 FROM attachments LIMIT 1")).scalar()
        assert storage_path(sha).is_file()
    assert receiver.cli("audit", "checkpoint").exit_code == 0
    assert receiver.cli("audit", "tallies").exit_code == 0
    with receiver.context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET opinion = '篡改' WHERE seq = 2"))
    tampered = receiver.cli("audit", "verify")
    assert tampered.exit_code == 1 and "内容哈希不符" in tampered.output


def test_a_modified_archive_is_refused_and_nothing_written(app, county, tmp_path,
                                                           receiver_factory):
    path = export(app, tmp_path)
    archive = members(path)
    receiver = receiver_factory()
    name = ff.member("households")
    edited = archive[name].replace("王建国".encode(), "王建军".encode(), 1)
    assert edited != archive[name]
    rewrite(path, tmp_path / "edited.zip", {name: edited})
    result = receiver.cli("archive", "import", str(tmp_path / "edited.zip"))
    assert result.exit_code == 1 and "SHA-256 与清单不符" in result.output
    # Recomputing the member's hash in the manifest breaks the manifest's signature.
    manifest = json.loads(archive[ff.MANIFEST])
    manifest["members"][name]["sha256"] = hashlib.sha256(edited).hexdigest()
    rewrite(path, tmp_path / "resigned.zip", {name: edited, ff.MANIFEST: json.dumps(
        manifest).encode()})
    result = receiver.cli("archive", "import", str(tmp_path / "resigned.zip"))
    assert result.exit_code == 1 and "签名不符" in result.output
    rewrite(path, tmp_path / "junk.zip", {ff.MANIFEST: b"\xff\x00 not json"})
    result = receiver.cli("archive", "import", str(tmp_path / "junk.zip"))
    assert result.exit_code == 1 and "manifest.json 无法读取" in result.output
    (tmp_path / "plain.txt").write_bytes(b"not a zip")
    result = receiver.cli("archive", "import", str(tmp_path / "plain.txt"))
    assert result.exit_code == 1 and "无法打开" in result.output
    with receiver.context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_second_import_collides_and_is_refused_whole(app, county, tmp_path,
                                                       receiver_factory):
    path = export(app, tmp_path)
    receiver = receiver_factory()
    assert receiver.cli("archive", "import", path).exit_code == 0
    with receiver.context():
        count = db.session.scalar(select(func.count()).select_from(AdminEvent))
    again = receiver.cli("archive", "import", path)
    assert again.exit_code == 1 and "只能导入到新建的空数据库" in again.output
    with receiver.context():
        assert db.session.scalar(select(func.count()).select_from(AdminEvent)) == count


def test_another_key_is_refused_unless_resealed_with_the_senders_key(
        app, county, tmp_path, receiver_factory):
    path = export(app, tmp_path)
    sender_id = json.loads(members(path)[ff.MANIFEST])["key_id"]
    receiver = receiver_factory(same_key=False)
    refused = receiver.cli("archive", "import", path)
    assert refused.exit_code == 1 and "--reseal" in refused.output
    wrong = tmp_path / "wrong_key"
    wrong.write_text("f" * 64)
    result = receiver.cli("archive", "import", path, "--reseal", "--sender-key-file", str(wrong))
    assert result.exit_code == 1 and "不是封存档案的密钥" in result.output
    key_file = tmp_path / "sender_key"
    key_file.write_text(app.config["AUDIT_KEY"] + "\n")
    result = receiver.cli("archive", "import", path, "--reseal", "--sender-key-file",
                          str(key_file))
    assert result.exit_code == 0, result.output
    assert "re-sealed" in result.output
    verify = receiver.cli("audit", "verify")
    assert verify.exit_code == 0, verify.output
    with receiver.context():
        comments = db.session.execute(text("SELECT body FROM case_comments")).scalars().all()
        assert comments == ["收入已核实"]  # re-sealed: verify above checked its seal
        event = db.session.execute(select(AdminEvent).where(
            AdminEvent.action == "archive_imported")).scalar_one()
        assert event.data["resealed"] is True and event.data["sender_key_id"] == sender_id
        assert sender_id in event.summary


def test_only_an_admin_over_the_county_exports_it_in_the_browser(app, client, county):
    login(client, "admin")
    page = client.get("/admin/archive")
    assert page.status_code == 200 and "岫岩满族自治县" in page.get_data(as_text=True)
    assert "海城市" not in page.get_data(as_text=True)
    token = csrf(client, "/admin/archive")
    other = client.post("/admin/archive", data={"csrf_token": token, "place": "210381"})
    assert other.status_code == 422 and "不在您管理的范围内" in other.get_data(as_text=True)
    junk = client.post("/admin/archive", data={"csrf_token": token, "place": "\x00' or 1=1"})
    assert junk.status_code == 422
    assert db.session.execute(select(AdminEvent)).first() is None
    response = client.post("/admin/archive", data={"csrf_token": token, "place": "210323"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "archive-210323-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.execute(select(AdminEvent)).scalar_one()
    assert event.data["sha256"] == hashlib.sha256(response.data).hexdigest()
    assert event.actor_name == "陈管理员" and event.role == "admin"
    listed = client.get("/admin/archive").get_data(as_text=True)
    assert "导出县级档案" in listed
    client.post("/logout", data={"csrf_token": csrf(client, "/admin/archive")})
    login(client, "county")  # 县扶贫办 sees the records but may not export them
    assert client.get("/admin/archive").status_code == 403
    refused = client.post("/admin/archive", data={"csrf_token": csrf(client, "/"),
                                                  "place": "210323"})
    assert refused.status_code == 403


def test_postgres_receiver_continues_its_sequences(app, county, tmp_path, receiver_factory,
                                                   postgres_only):
    import psycopg
    from sqlalchemy.engine import make_url

    from tests.conftest import DATABASE_URL
    from tests.factories import make_household
    from workflow.jurisdictions.models import Jurisdiction

    url = make_url(DATABASE_URL)
    name = f"{url.database}_receiver"
    admin_url = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin_url.render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        path = export(app, tmp_path)
        imported = max(r["id"] for r in rows(members(path), "households"))
        receiver = receiver_factory(url=url.set(database=name).render_as_string(
            hide_password=False))
        result = receiver.cli("archive", "import", path)
        assert result.exit_code == 0, result.output
        with receiver.context():
            village = db.session.execute(select(Jurisdiction).filter_by(
                code="210323106201")).scalar_one()
            household = make_household(village, "新户主")  # ids continue past the imported
            db.session.commit()
            assert household.id > imported
        assert receiver.cli("audit", "verify").exit_code == 0
    finally:
        with receiver.context():
            db.engine.dispose()
        with psycopg.connect(admin_url.render_as_string(hide_password=False),
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_row_naming_a_row_outside_the_county_stops_the_export(app, county, tmp_path):
    from tests.audit.test_verify import tamper

    tamper("UPDATE house_appraisals SET case_id = :c", c=county["far_case"])
    out = tmp_path / "archive.zip"
    result = app.test_cli_runner().invoke(args=["archive", "export", "--place", "210323",
                                                "--out", str(out)])
    assert result.exit_code == 1
    assert "house_appraisals.case_id 引用了不在本县档案内的 cases 记录" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert db.session.execute(select(AdminEvent)).first() is None
    missing = app.test_cli_runner().invoke(args=["archive", "export", "--place", "210323",
                                                 "--out", str(tmp_path / "no" / "a.zip")])
    assert missing.exit_code == 1 and "无法写入" in missing.output
    township = app.test_cli_runner().invoke(args=["archive", "export", "--place", "210323106",
                                                  "--out", str(out)])
    assert township.exit_code == 1 and "只能导出县级档案" in township.output
