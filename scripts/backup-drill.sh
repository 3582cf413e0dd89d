#!/usr/bin/env bash
# Backup and restore drill: dump the production database, restore it into a fresh one and
# prove the copy is whole by `flask audit verify` (every hash chain and seal) against it.
#
#   WORKFLOW_DATABASE_URL=postgresql+psycopg://workflow@db/workflow \
#   WORKFLOW_AUDIT_KEY=... scripts/backup-drill.sh [--keep]
#
# Environment:
#   WORKFLOW_DATABASE_URL   the database to back up (PostgreSQL; read only here)
#   WORKFLOW_AUDIT_KEY(_FILE) the audit key the trail was sealed with (verify needs it)
#   WORKFLOW_BACKUP_DIR     where the dump is written (instance/backups); the dump stays:
#                           it is the backup, copy it off the host
#   WORKFLOW_DRILL_DATABASE name of the scratch database (<name>_drill_<timestamp>); it must
#                           not exist yet, and is dropped afterwards unless --keep
# Prints the dump's size and the time of each step, the verify summary, and ends with one
# line `drill: ok ...` or `drill: FAILED ...`; exit 0 only when the restored copy verifies.
# Needs pg_dump, pg_restore, createdb and dropdb (Debian: postgresql-client) of the server's
# major version or newer, and the right to create databases.
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
PY=${WORKFLOW_PYTHON:-.venv/bin/python}
fail() { echo "drill: FAILED $*" >&2; exit 1; }

case "${WORKFLOW_DATABASE_URL:-}" in
  postgresql*) ;;
  *) fail "WORKFLOW_DATABASE_URL must be a PostgreSQL URL" ;;
esac
for tool in pg_dump pg_restore createdb dropdb; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install postgresql-client)"
done

# libpq connection strings for the source and the scratch copy (SQLAlchemy's +driver out).
read -r SOURCE TARGET TARGET_URL TARGET_NAME < <("$PY" - <<'EOF'
import datetime, os
from sqlalchemy.engine import make_url

url = make_url(os.environ["WORKFLOW_DATABASE_URL"])
name = os.environ.get("WORKFLOW_DRILL_DATABASE") or (
    f"{url.database}_drill_{datetime.datetime.now():%Y%m%d%H%M%S}")
libpq = url.set(drivername="postgresql")
target = url.set(database=name)
print(libpq.render_as_string(hide_password=False),
      libpq.set(database=name).render_as_string(hide_password=False),
      target.set(drivername="postgresql+psycopg").render_as_string(hide_password=False), name)
EOF
)
DIR=${WORKFLOW_BACKUP_DIR:-instance/backups}
mkdir -p "$DIR"
DUMP="$DIR/workflow-$(date -u +%Y%m%dT%H%M%SZ).dump"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

t0=$(now)
pg_dump --format=custom --no-owner --file="$DUMP" --dbname="$SOURCE"
t1=$(now)
BYTES=$(stat -c %s "$DUMP")
echo "dump: $DUMP, $BYTES bytes ($(numfmt --to=iec "$BYTES" 2>/dev/null || echo "$BYTES")), $(secs "$t0" "$t1") s"

createdb --maintenance-db="$SOURCE" "$TARGET_NAME"
cleanup() {
  if [ "$KEEP" = 1 ]; then
    echo "kept: $TARGET_URL"
  else
    dropdb --maintenance-db="$SOURCE" --if-exists "$TARGET_NAME" || true
  fi
}
trap cleanup EXIT
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$TARGET" "$DUMP"
t2=$(now)
echo "restore: into $TARGET_NAME, $(secs "$t1" "$t2") s"

set +e
OUT=$(WORKFLOW_DATABASE_URL=$TARGET_URL FLASK_APP=wsgi "$PY" -m flask audit verify 2>&1)
STATUS=$?
set -e
t3=$(now)
echo "$OUT"
EVENTS=$(psql -X -A -t -d "$TARGET" -c "SELECT count(*) FROM audit_events" 2>/dev/null || echo "?")
SUMMARY=$(echo "$OUT" | grep -E '^checked ' | tail -n1)
echo "verify: $(secs "$t2" "$t3") s, $EVENTS case events; $SUMMARY"
if [ "$STATUS" -ne 0 ]; then
  fail "audit verify found problems in the restored copy (dump $DUMP)"
fi
echo "drill: ok dump=$BYTES bytes dump_s=$(secs "$t0" "$t1") restore_s=$(secs "$t1" "$t2") verify_s=$(secs "$t2" "$t3") case_events=$EVENTS"
