#!/usr/bin/env bash
# First command of the README: set everything up and serve on SQLite with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=wsgi
# Demo accounts share one password so a newcomer can try every role; change it for real use.
export WORKFLOW_DEMO_PASSWORD=${WORKFLOW_DEMO_PASSWORD:-demo2020}
.venv/bin/flask db upgrade
if .venv/bin/flask demo seed > instance/demo-users.txt 2>instance/demo-seed.err; then
  cat instance/demo-users.txt
else
  grep -q "already" instance/demo-seed.err && echo "==> demo data already present (instance/demo-users.txt)" \
    || { cat instance/demo-seed.err; exit 1; }
fi
# Background jobs (batch printing, exports, imports, reports) run in a local worker next
# to the web server; it stops with it (Ctrl-C or any exit).
.venv/bin/flask jobs worker > instance/jobs-worker.log 2>&1 &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null; wait "$WORKER_PID" 2>/dev/null' EXIT
echo "==> background job worker started (log: instance/jobs-worker.log)"
echo "==> serving at http://127.0.0.1:5000  (Ctrl-C to stop)"
.venv/bin/flask run --host 127.0.0.1 --port 5000
