"""``GET /healthz``: is this app server able to serve? For load balancers, systemd and
monitoring; no login, no personal data, and cheap (the load benchmark's trivial endpoint).

Checks: ``app`` (answering at all), ``database`` (``SELECT 1`` through the app's own pool;
on PostgreSQL under ``SET LOCAL statement_timeout`` = HEALTH_DB_TIMEOUT_MS) and whatever
other parts register themselves with :func:`register_check` (the job queue does). Answer
``{"status": "ok"|"fail", "checks": {name: "ok"|"fail"}}`` with 200 or 503; why a check
failed goes to the log (with the request id), not to the anonymous caller.

The view loads no user and no session row (workflow/ops.LIGHT_ENDPOINTS is skipped by the
before-request hooks that would), is exempt from rate limits and from the request metrics.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from workflow.extensions import db

health = Blueprint("ops_health", __name__)
# name -> function; it returns nothing (or True) when healthy and raises (or returns
# False / a reason string) when not. Ordered as registered.
_CHECKS: dict[str, Callable[[], object]] = {}


def register_check(name: str, fn: Callable[[], object]) -> None:
    """Add (or replace) a named check run by /healthz in the app context of the request.
    It must be quick (a second at most) and must not need a logged-in user."""
    _CHECKS[name] = fn


def unregister_check(name: str) -> None:
    """Remove a check (tests that register a failing one clean up with this)."""
    _CHECKS.pop(name, None)


def check_database() -> None:
    """``SELECT 1`` on a pooled connection, bounded by HEALTH_DB_TIMEOUT_MS on PostgreSQL.

    On PostgreSQL one round trip: in autocommit, "SET LOCAL statement_timeout = n;
    SELECT 1" sent as one simple query is one implicit transaction, so the timeout covers
    the SELECT and ends with it (BEGIN, SET LOCAL, SELECT and ROLLBACK would be four).
    """
    with db.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            conn.execute(text("SELECT 1")).scalar_one()
            return
        timeout = int(current_app.config.get("HEALTH_DB_TIMEOUT_MS") or 2000)
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        raw = conn.connection.driver_connection  # psycopg: no parameters, simple protocol
        cursor = raw.execute(f"SET LOCAL statement_timeout = {timeout}; SELECT 1")
        if not cursor.nextset() or cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 answered no row")


def run_checks() -> tuple[bool, dict[str, str]]:
    """Every check's verdict; failures are logged with their reason."""
    results = {"app": "ok"}
    healthy = True
    for name, fn in (("database", check_database), *_CHECKS.items()):
        try:
            outcome = fn()
            ok = outcome is None or outcome is True
            reason = "" if ok else str(outcome)
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        results[name] = "ok" if ok else "fail"
        if not ok:
            healthy = False
            current_app.logger.warning("health check %s failed: %s", name, reason[:500])
    return healthy, results


@health.route("/healthz")
def healthz():
    """200 with every check ok, else 503; never cached."""
    healthy, checks = run_checks()
    response = jsonify({"status": "ok" if healthy else "fail", "checks": checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
