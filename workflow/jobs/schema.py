"""Procrastinate's tables and functions: created by migration 0021 (PostgreSQL only) from
the schema.sql that ships with the installed Procrastinate, and dropped again by its
downgrade and by ``rebuild_schema`` (tests, benchmarks)."""
from __future__ import annotations

from procrastinate.schema import SchemaManager

DROP = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
    procrastinate_jobs, procrastinate_workers CASCADE;
DO $$ DECLARE f record; BEGIN
  FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
           WHERE p.proname LIKE 'procrastinate%' AND p.pronamespace = current_schema()::regnamespace
  LOOP EXECUTE 'DROP FUNCTION IF EXISTS ' || f.sig || ' CASCADE'; END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_to_defer_v2,
    procrastinate_job_status, procrastinate_job_event_type CASCADE;
"""


def create(dbapi_connection) -> None:
    """Run Procrastinate's schema.sql on a psycopg connection (no parameters, so its
    ``%`` signs are sent as they are)."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute(SchemaManager.get_schema())


def drop(dbapi_connection) -> None:
    """Remove every Procrastinate object from the current schema."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute(DROP)
