#!/usr/bin/env bash
# Serve the app the production way: gunicorn (deploy/gunicorn.conf.py) on PostgreSQL.
#
#   set -a; . /etc/workflow/workflow.env; set +a     # see deploy/workflow.env.example
#   scripts/serve-production.sh
#
# Checks first that WORKFLOW_DATABASE_URL is PostgreSQL and that the secrets are set
# (the app would also refuse to start without them, but with a worker traceback), applies
# the migrations (`flask db upgrade`, idempotent), then execs gunicorn so that systemd or
# the caller's signals reach it directly. Extra arguments go to gunicorn.
# WORKFLOW_SKIP_UPGRADE=1 leaves the schema alone (when another node or a deploy step
# upgrades it).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "serve-production: $*" >&2; exit 2; }

export WORKFLOW_ENV=${WORKFLOW_ENV:-production}
[ "$WORKFLOW_ENV" = production ] || fail "WORKFLOW_ENV must be production (is $WORKFLOW_ENV)"
case "${WORKFLOW_DATABASE_URL:-}" in
  postgresql://*|postgresql+psycopg://*) ;;
  "") fail "WORKFLOW_DATABASE_URL is not set (postgresql+psycopg://user@host:5432/workflow)" ;;
  *) fail "WORKFLOW_DATABASE_URL must be a PostgreSQL URL (postgresql+psycopg://...); SQLite is the demo (scripts/serve.sh)" ;;
esac
# psycopg 3 is the driver installed; a bare postgresql:// would ask SQLAlchemy for psycopg2.
WORKFLOW_DATABASE_URL=${WORKFLOW_DATABASE_URL/#postgresql:\/\//postgresql+psycopg://}
export WORKFLOW_DATABASE_URL
[ -n "${WORKFLOW_SECRET_KEY:-}${WORKFLOW_SECRET_KEY_FILE:-}" ] \
  || fail "set WORKFLOW_SECRET_KEY (or WORKFLOW_SECRET_KEY_FILE): at least 32 random characters"
[ -n "${WORKFLOW_AUDIT_KEY:-}${WORKFLOW_AUDIT_KEY_FILE:-}" ] \
  || fail "set WORKFLOW_AUDIT_KEY (or WORKFLOW_AUDIT_KEY_FILE): a second, different secret"
if [ "${WORKFLOW_SECRET_KEY:-x}" = "${WORKFLOW_AUDIT_KEY:-y}" ]; then
  fail "WORKFLOW_AUDIT_KEY must differ from WORKFLOW_SECRET_KEY"
fi

PY=${WORKFLOW_PYTHON:-.venv/bin/python}
[ -x "$PY" ] || fail "no $PY: run scripts/setup.sh first"
export FLASK_APP=wsgi
if [ "${WORKFLOW_SKIP_UPGRADE:-0}" != 1 ]; then
  echo "==> flask db upgrade" >&2
  "$PY" -m flask db upgrade
fi
echo "==> gunicorn on ${WORKFLOW_BIND:-127.0.0.1:8000}" >&2
exec "$PY" -m gunicorn -c deploy/gunicorn.conf.py "$@" wsgi:app
