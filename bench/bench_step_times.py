"""Benchmark of the bottleneck view (办理用时（堵点）) on PostgreSQL: 1,000,000 household-exit
cases, each with its whole trail up to its state (≈ 6 events a case, each stay drawn per
step), loaded with COPY on bench_boards' places; the step-time tallies rebuilt from the
trail (timed), then the pages requested through the app, p50 / p95 over --repeat calls.

    createdb -h 127.0.0.1 -U postgres wf_bench_steps
    python bench/bench_step_times.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench_steps

The database is emptied first (--skip-load re-times a loaded one). Target: p95 <= 200 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_boards import PASSWORD, STATES, copy, places, timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from workflow import create_app  # noqa: E402
from workflow.auth.models import RoleAssignment  # noqa: E402
from workflow.cases import step_stays, step_times, tallies  # noqa: E402
from workflow.engine import store  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402

ORDER = [s for s, _ in STATES]
# The mean stay (days) in each step before the next: the notice lasts its 7 days and more.
MEAN_DAYS = {"income_survey": 5, "democratic_appraisal": 3, "village_verification": 2,
             "household_consent": 1, "village_notice": 8, "township_review": 6,
             "county_approval": 5, "announcement": 3, "city_filing": 2}
ACTIONS = {"income_survey": "submit_survey", "democratic_appraisal": "submit_appraisal",
           "village_verification": "verify", "household_consent": "confirm_consent",
           "village_notice": "close_village_notice", "township_review": "township_approve",
           "county_approval": "county_approve", "announcement": "announce_strike_off",
           "city_filing": "city_file"}


def stay(rng: random.Random, state: str) -> dt.timedelta:
    days = MEAN_DAYS[state]
    if state == "village_notice":
        return dt.timedelta(days=7, hours=rng.expovariate(1 / 24))
    return dt.timedelta(hours=rng.expovariate(1 / (days * 24)))


def load(n: int, villages, creator_id: int) -> None:
    rng = random.Random(2020)
    definition = store.current("household_exit")
    store.ensure_stored(definition)
    db.session.commit()
    start = dt.datetime(2020, 1, 1)
    conn = db.session.connection()
    copy(conn, "households", ["id", "head_name", "id_number", "village_id",
                              "jurisdiction_path", "status", "dibao", "tekun"],
         ((i, f"户主{i}", f"{i:018d}", villages[i % len(villages)].id,
           villages[i % len(villages)].path, "registered_poor", False, False)
          for i in range(1, n + 1)))
    reached = rng.choices(range(len(ORDER)), [w for _, w in STATES], k=n)
    trails = []  # per case: the moments of its state-changing events
    for i in range(n):
        at = start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 200))
        moments = [at]
        for step in ORDER[:reached[i]]:
            at = at + stay(rng, step)
            moments.append(at)
        trails.append(moments)
    copy(conn, "cases", ["id", "procedure", "definition_version", "subject_type", "subject_id",
                         "village_id", "jurisdiction_path", "title", "state", "year", "data",
                         "cosigns", "signers", "trail_head", "event_count", "created_by_id",
                         "created_at", "updated_at", "state_entered_at", "version"],
         ((i, "household_exit", definition.version, "household", i,
           villages[i % len(villages)].id, villages[i % len(villages)].path,
           f"贫困户退出：户主{i}", ORDER[reached[i - 1]], 2020, "{}", "{}", "{}", "x" * 64,
           len(trails[i - 1]), creator_id, trails[i - 1][0], trails[i - 1][-1],
           trails[i - 1][-1], len(trails[i - 1])) for i in range(1, n + 1)))

    def events():
        for i in range(1, n + 1):
            moments = trails[i - 1]
            yield (i, 1, "create", "发起", creator_id, "bench", "village_clerk", "x", "x",
                   "village", "", ORDER[0], "agree", "", "{}", moments[0], "0" * 64, "h" * 64)
            for seq, at in enumerate(moments[1:], start=2):
                source, target = ORDER[seq - 2], ORDER[seq - 1]
                yield (i, seq, ACTIONS[source], source, creator_id, "bench", "x", "x", "x",
                       "village", source, target, "agree", "", "{}", at, "h" * 64, "h" * 64)
    copy(conn, "audit_events", ["case_id", "seq", "action", "action_title", "actor_id",
                                "actor_name", "role", "jurisdiction_code", "jurisdiction_name",
                                "level", "from_state", "to_state", "decision", "opinion",
                                "data", "at", "prev_hash", "hash"], events())
    db.session.commit()
    for table in ("households", "cases"):
        db.session.execute(text(f"SELECT setval('{table}_id_seq', {n})"))
    db.session.commit()
    print(f"events: {sum(len(t) for t in trails)}", flush=True)
    for name, rebuild in (("case", tallies.rebuild), ("step-time", step_times.rebuild)):
        started = time.perf_counter()
        rows = rebuild()
        print(f"{name} tallies rebuilt from the trail: {rows} rows in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    with db.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--month", default="2020-04")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--rebuild-steps", action="store_true",
                        help="with --skip-load: rebuild the step-time tallies first")
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT": "1000 per minute"})
    results: dict = {"cases": args.households, "month": args.month}
    with app.app_context():
        if args.skip_load:
            upgrade()
            codes = {a.user.username: a.jurisdiction.code
                     for a in db.session.execute(select(RoleAssignment)).scalars()}
            if args.rebuild_steps:
                started = time.perf_counter()
                results["step_rebuild_s"] = (step_times.rebuild(),
                                             round(time.perf_counter() - started, 1))
                print("step-time tallies rebuilt:", results["step_rebuild_s"], flush=True)
                with db.engine.connect() as c:
                    c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "VACUUM ANALYZE step_time_tallies")
        else:
            rebuild_schema()
            villages, users = places()
            started = time.perf_counter()
            load(args.households, villages, users["clerk"][0].id)
            results["load_s"] = round(time.perf_counter() - started, 1)
            codes = {name: place.code for name, (_, place) in users.items()}
        results["step_time_rows"] = db.session.execute(
            select(db.func.count()).select_from(step_times.StepTimeTally)).scalar_one()
        results["step_stay_rows"] = db.session.execute(
            select(db.func.count()).select_from(step_stays.StepStay)).scalar_one()
    q = f"procedure=household_exit&month={args.month}"
    pages = {
        "city": [f"/boards/steps?place={codes['city']}&{q}",
                 f"/boards/steps/village_notice?place={codes['city']}&{q}",
                 f"/api/v1/boards/step-times?jurisdiction={codes['city']}&{q}"],
        "county": [f"/boards/steps?place={codes['county']}&{q}",
                   f"/boards/steps/township_review?place={codes['county']}&{q}"],
        "township": [f"/boards/steps?place={codes['township']}&{q}",
                     f"/boards/steps/township_review?place={codes['township']}&{q}",
                     f"/boards/steps/village_notice?place={codes['township']}&{q}"],
        "clerk": [f"/boards/steps?place={codes['clerk']}&{q}",
                  f"/boards/steps/income_survey?place={codes['clerk']}&{q}"],
    }
    for name, urls in pages.items():
        client = app.test_client()
        client.post("/login", data={"username": name, "password": PASSWORD})
        headers = {}
        if any("/api/" in u for u in urls):
            token = client.post("/api/v1/auth/token", json={"username": name,
                                                       "password": PASSWORD}).get_json()
            headers = {"Authorization": f"Bearer {token['token']}"} if token else {}
        for url in urls:
            if "/api/" in url:
                client.environ_base.update({"HTTP_AUTHORIZATION": headers["Authorization"]})
            results[f"{name} {url}"] = timed(client, url, args.repeat)
            print(name, url, results[f"{name} {url}"], flush=True)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"step-times-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
