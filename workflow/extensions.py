"""Flask extensions, created unbound and initialised in ``create_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Objects stay loaded after commit: a sign-off answers with the case it just wrote, and a
# stale copy cannot do harm because every case UPDATE is guarded by its version.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING),
                session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def rebuild_schema() -> None:
    """Drop every table and apply the migrations, in the current app context (the test
    suite and the benchmarks start from an empty schema this way)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    with db.engine.begin() as conn:  # jobs (0021): the queue's schema and the old table
        if conn.dialect.name == "postgresql":
            from workflow.jobs import schema

            schema.drop(conn.connection.dbapi_connection)
        conn.execute(text("DROP TABLE IF EXISTS document_jobs"))
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
