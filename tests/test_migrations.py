"""The migrations give one schema: on an empty SQLite file the same tables and columns as
on the database the suite runs on (PostgreSQL in CI's second run), and as the models."""
from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import inspect

from workflow import create_app
from workflow.extensions import db


def _shape(engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {table: sorted(c["name"] for c in inspector.get_columns(table))
            for table in inspector.get_table_names() if table != "alembic_version"
            and not table.startswith("procrastinate_")}  # the queue's own (0021, PG only)


def test_an_empty_sqlite_file_gets_the_same_tables_and_columns(app, tmp_path):
    suite = _shape(db.engine)
    models = {t.name: sorted(c.name for c in t.columns) for t in db.metadata.sorted_tables}
    fresh_app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.sqlite",
                            "TESTING": True})
    with fresh_app.app_context():
        upgrade()
        fresh = _shape(db.engine)
        db.engine.dispose()
    assert fresh == suite == models


def test_an_upgrade_in_process_leaves_the_apps_security_log_on(app, tmp_path):
    """Alembic's env.py configures logging from alembic.ini; it must not disable the
    loggers that exist (the security log of failed logins and refusals)."""
    import logging

    fresh_app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/log.sqlite",
                            "TESTING": True})
    with fresh_app.app_context():
        upgrade()
        db.engine.dispose()
    assert not logging.getLogger(app.logger.name).disabled
