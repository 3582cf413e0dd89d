#!/usr/bin/env bash
# Second command of the README: run the whole test suite (SQLite unless
# WORKFLOW_TEST_DATABASE_URL points at PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
