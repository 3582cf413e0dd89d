"""scripts/backup-drill.sh for real: pg_dump of a database with a trail, a fresh database
restored from it, `flask audit verify` passing on the copy, and failing once a row of the
copy is tampered with; the production scripts' refusals on a wrong setup."""
from __future__ import annotations

import os
import secrets
import subprocess

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.cases.test_household_exit import start
from tests.conftest import DATABASE_URL
from tests.factories import GOOD_APPRAISAL, GOOD_SURVEY, Api
from tests.production.server import ROOT
from workflow import create_app
from workflow.extensions import db


def script_env(app, tmp_path, **extra) -> dict:
    """The environment an operator gives the scripts: the trail's audit key, a secret."""
    env = {**os.environ, "WORKFLOW_ENV": "development", "FLASK_APP": "wsgi",
           "WORKFLOW_DATABASE_URL": DATABASE_URL,
           "WORKFLOW_AUDIT_KEY": app.config["AUDIT_KEY"],
           "WORKFLOW_SECRET_KEY": secrets.token_urlsafe(40),
           "WORKFLOW_UPLOAD_FOLDER": str(tmp_path / "uploads"),
           "WORKFLOW_BACKUP_DIR": str(tmp_path / "backups")}
    if app.config.get("AUDIT_ANCHOR_FOLDER"):  # unset unless the machine configures one
        env["WORKFLOW_AUDIT_ANCHOR_FOLDER"] = app.config["AUDIT_ANCHOR_FOLDER"]
    env.update(extra)
    return env


def run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=300, check=False)


def test_drill_restores_a_copy_that_verifies_and_catches_tampering(app, client, world, tmp_path,
                                                                   postgres_only):
    apis = {"clerk": Api(client, "clerk"), "helper": Api(client, "helper")}
    case_id = start(apis, world)
    assert apis["helper"].act(case_id, "submit_survey", GOOD_SURVEY).status_code == 200
    assert apis["clerk"].act(case_id, "submit_appraisal", GOOD_APPRAISAL).status_code == 200
    copy_name = f"{make_url(DATABASE_URL).database}_drill_{os.getpid()}"
    copy_url = make_url(DATABASE_URL).set(database=copy_name)
    env = script_env(app, tmp_path, WORKFLOW_DRILL_DATABASE=copy_name)
    try:
        drill = run(["bash", "scripts/backup-drill.sh", "--keep"], env)
        assert drill.returncode == 0, drill.stdout + drill.stderr
        assert "checked 1 cases" in drill.stdout and ", 0 problems" in drill.stdout
        assert "drill: ok dump=" in drill.stdout and "case_events=3" in drill.stdout
        dumps = list((tmp_path / "backups").glob("workflow-*.dump"))
        assert len(dumps) == 1 and dumps[0].stat().st_size > 0

        engine = create_engine(copy_url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET opinion = '不同意' "
                              "WHERE case_id = :c AND seq = 2"), {"c": case_id})
        engine.dispose()
        # The same command on the copy, from an app in this process (modules loaded: a
        # second `flask` process would spend its time importing them again).
        copy_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": copy_url,
                               "AUDIT_KEY": app.config["AUDIT_KEY"],
                               "AUDIT_ANCHOR_FOLDER": app.config["AUDIT_ANCHOR_FOLDER"]})
        with copy_app.app_context():  # the command runs in the current app's context
            tampered = copy_app.test_cli_runner().invoke(args=["audit", "verify"])
            db.engine.dispose()  # no connection left open on the copy before DROP
        assert tampered.exit_code == 1, tampered.output
        assert "内容哈希不符" in tampered.output
    finally:
        maintenance = create_engine(make_url(DATABASE_URL), isolation_level="AUTOCOMMIT")
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        maintenance.dispose()


def test_scripts_refuse_sqlite_and_missing_secrets(app, tmp_path):
    sqlite = script_env(app, tmp_path, WORKFLOW_DATABASE_URL="sqlite:///x.sqlite")
    drill = run(["bash", "scripts/backup-drill.sh"], sqlite)
    assert drill.returncode == 1 and "PostgreSQL" in drill.stderr
    serve = run(["bash", "scripts/serve-production.sh"], {**sqlite, "WORKFLOW_ENV": "production"})
    assert serve.returncode == 2 and "PostgreSQL" in serve.stderr
    postgres = {**sqlite, "WORKFLOW_ENV": "production",
                "WORKFLOW_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/x"}
    no_key = {k: v for k, v in postgres.items() if k != "WORKFLOW_AUDIT_KEY"}
    refused = run(["bash", "scripts/serve-production.sh"], no_key)
    assert refused.returncode == 2 and "WORKFLOW_AUDIT_KEY" in refused.stderr
    same = run(["bash", "scripts/serve-production.sh"],
               {**postgres, "WORKFLOW_AUDIT_KEY": postgres["WORKFLOW_SECRET_KEY"]})
    assert same.returncode == 2 and "differ" in same.stderr
