"""Benchmark of 流程版本迁移 on PostgreSQL: some 100,000 running household-exit cases
(loaded with COPY as in bench_boards.py) on one version, a changed definition made
current, then the dry run (``moving.plan``) and the move (``moving.move``, batches of
1,000) timed, and the dry run again (nothing left to move).

    createdb -h 127.0.0.1 -U postgres wf_bench_moves
    python bench/bench_moves.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench_moves

The database is emptied first. Target: dry run and move of 100,000 cases each <= 60 s.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_boards import STATES, load, places  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from workflow import create_app  # noqa: E402
from workflow.auth.models import RoleAssignment, User  # noqa: E402
from workflow.cases import moving  # noqa: E402
from workflow.cases.models import Case  # noqa: E402
from workflow.engine.definitions import build  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402


def changed(original):
    """The county adds a 乡镇备案 step after the township's approval."""
    body = yaml.safe_load(yaml.safe_dump(original.body))
    proc = body["procedure"]
    proc["states"]["township_filing"] = {"title": "乡镇备案"}
    approve = next(a for a in proc["actions"] if a["name"] == "township_approve")
    approve["to"] = "township_filing"
    proc["actions"].append({**approve, "name": "township_file", "title": "乡镇备案",
                            "source": ["township_filing"], "to": "county_approval",
                            "form": None, "guards": [], "effects": [], "sheet_row": None})
    return build(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--running", type=int, default=100_000,
                        help="running cases wanted (the load adds the filed ones)")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    filed_share = dict(STATES)["filed"] / sum(w for _, w in STATES)
    total = int(args.running / (1 - filed_share))
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "TESTING": True})
    results: dict = {}
    with app.app_context():
        rebuild_schema()
        villages, users = places()
        started = time.perf_counter()
        load(total, villages, users["clerk"][0].id)
        results["load_s"] = round(time.perf_counter() - started, 1)
        admin = User(username="admin", display_name="管理员")
        admin.set_password("bench-口令")
        db.session.add_all([admin, RoleAssignment(user=admin, role="admin",
                                                  jurisdiction=users["city"][1])])
        db.session.commit()
        catalog = app.extensions["workflow.catalog"]
        catalog.procedures["household_exit"] = changed(catalog.procedures["household_exit"])
        for name in ("dry_run", "move", "dry_run_after"):
            started = time.perf_counter()
            if name == "move":
                result = moving.move("household_exit", admin, batch=args.batch)
                results["moved"], results["stayed"] = result.moved, result.stayed
            else:
                the_plan = moving.plan("household_exit")
                results[f"{name}_cases"] = the_plan.cases
            results[f"{name}_s"] = round(time.perf_counter() - started, 2)
            print(name, results, flush=True)
        results["on_new_version"] = db.session.execute(
            select(func.count()).select_from(Case).where(
                Case.definition_version == catalog.procedures["household_exit"].version)
        ).scalar_one()
    results["moved_per_s"] = round(results["moved"] / results["move_s"])
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
