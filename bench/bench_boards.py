"""Benchmark of the board and list pages on a large register (PostgreSQL): 1,000,000
households and 1,000,000 household-exit cases (with their audit events) loaded with COPY,
then every board and list page requested through the app, p50 / p95 over --repeat calls.

    createdb -h 127.0.0.1 -U postgres wf_bench
    python bench/bench_boards.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench

The database is emptied first. Target: every page p95 <= 200 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from workflow import create_app  # noqa: E402
from workflow.auth.models import RoleAssignment, User  # noqa: E402
from workflow.cases import tallies  # noqa: E402
from workflow.engine import store  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402
from workflow.jurisdictions.models import add_place  # noqa: E402

PASSWORD = "bench-口令"
STATES = [("income_survey", 20), ("democratic_appraisal", 8), ("village_verification", 5),
          ("household_consent", 5), ("village_notice", 7), ("township_review", 8),
          ("county_approval", 6), ("announcement", 3), ("city_filing", 3), ("filed", 35)]


def places():
    city = add_place("210300", "鞍山市", "city")
    villages, users = [], {}
    for c in range(3):
        county = add_place(f"2103{21 + c:02d}", f"县{c}", "county", city)
        for t in range(10):
            town = add_place(f"{county.code}{101 + t}", f"乡镇{c}-{t}", "township", county)
            for v in range(20):
                villages.append(add_place(f"{town.code}{201 + v}", f"村{c}-{t}-{v}",
                                          "village", town))
            if c == 0 and t == 0:
                users["township"] = ("township_reviewer", town)
        if c == 0:
            users["county"] = ("county_poverty_office", county)
    users["city"] = ("city_poverty_office", city)
    users["auditor"] = ("auditor", city)
    users["clerk"] = ("village_clerk", villages[0])
    db.session.flush()
    made = {}
    for name, (role, place) in users.items():
        user = User(username=name, display_name=name)
        user.set_password(PASSWORD)
        db.session.add_all([user, RoleAssignment(user=user, role=role, jurisdiction=place)])
        made[name] = (user, place)
    db.session.commit()
    return villages, made


def copy(conn, table: str, columns: list[str], rows) -> None:
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
        for row in rows:
            out.write_row(row)


def load(n: int, villages, creator_id: int) -> None:
    rng = random.Random(2020)
    definition = store.current("household_exit")
    store.ensure_stored(definition)
    db.session.commit()
    weights = [w for _, w in STATES]
    start = dt.datetime(2020, 1, 1)
    conn = db.session.connection()
    copy(conn, "households", ["id", "head_name", "id_number", "village_id",
                              "jurisdiction_path", "status", "dibao", "tekun"],
         ((i, f"户主{i}", f"{i:018d}", villages[i % len(villages)].id,
           villages[i % len(villages)].path, "registered_poor", False, False)
          for i in range(1, n + 1)))
    states = rng.choices([s for s, _ in STATES], weights, k=n)
    moments = [start + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 330)) for _ in range(n)]
    copy(conn, "cases", ["id", "procedure", "definition_version", "subject_type", "subject_id",
                         "village_id", "jurisdiction_path", "title", "state", "year", "data",
                         "cosigns", "signers", "trail_head", "event_count", "created_by_id",
                         "created_at", "updated_at", "state_entered_at", "version"],
         ((i, "household_exit", definition.version, "household", i,
           villages[i % len(villages)].id, villages[i % len(villages)].path,
           f"贫困户退出：户主{i}", states[i - 1], 2020, "{}", "{}", "{}", "x" * 64,
           2 if states[i - 1] == "filed" else 1, creator_id, moments[i - 1], moments[i - 1],
           moments[i - 1], 1) for i in range(1, n + 1)))

    def events():
        for i in range(1, n + 1):
            yield (i, 1, "create", "发起", creator_id, "bench", "village_clerk", "x", "x",
                   "village", "", "income_survey", "agree", "", "{}", moments[i - 1],
                   "0" * 64, "h" * 64)
            if states[i - 1] == "filed":
                at = moments[i - 1] + dt.timedelta(days=rng.randint(20, 60))
                yield (i, 2, "city_file", "市级备案", creator_id, "bench", "city_poverty_office",
                       "x", "x", "city", "city_filing", "filed", "agree", "", "{}", at,
                       "h" * 64, "g" * 64)
    copy(conn, "audit_events", ["case_id", "seq", "action", "action_title", "actor_id",
                                "actor_name", "role", "jurisdiction_code", "jurisdiction_name",
                                "level", "from_state", "to_state", "decision", "opinion",
                                "data", "at", "prev_hash", "hash"], events())
    db.session.commit()
    for table in ("households", "cases"):
        db.session.execute(text(f"SELECT setval('{table}_id_seq', {n})"))
    db.session.commit()
    started = time.perf_counter()
    rows = tallies.rebuild()  # the cases came in by COPY, not through the engine
    print(f"tallies rebuilt from the trail: {rows} rows in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    with db.engine.connect() as c:
        # VACUUM too: index-only scans (the to-do list) need the visibility map set,
        # which autovacuum would do in production some minutes after a bulk load.
        c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def timed(client, url: str, repeat: int) -> dict:
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-load", action="store_true",
                        help="time the pages on the data a previous run loaded")
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT": "1000 per minute"})
    results: dict = {"households": args.households, "cases": args.households}
    with app.app_context():
        if args.skip_load:
            upgrade()
            codes = {a.user.username: a.jurisdiction.code
                     for a in db.session.execute(select(RoleAssignment)).scalars()}
        else:
            rebuild_schema()
            villages, users = places()
            started = time.perf_counter()
            load(args.households, villages, users["clerk"][0].id)
            results["load_s"] = round(time.perf_counter() - started, 1)
            codes = {name: place.code for name, (_, place) in users.items()}
    pages = {
        "city": ["/boards?place=210300", "/", "/cases", "/cases?state=county_approval",
                 "/cases?page=400", "/households", "/households?q=户主12345",
                 "/households?q=12345",
                 "/boards/report.xlsx?place=210300&month=2020-06",
                 "/boards/report.pdf?place=210300&month=2020-06"],
        "county": [f"/boards?place={codes['county']}", "/", "/cases", "/households",
                   f"/cases?jurisdiction={codes['township']}&state=township_review"],
        "township": [f"/boards?place={codes['township']}", "/", "/cases", "/households"],
        "clerk": [f"/boards?place={codes['clerk']}", "/", "/cases", "/households"],
        "auditor": ["/oversight", "/oversight?person=户主12345",
                    "/oversight?procedure=household_exit&state=filed"],
    }
    for name, urls in pages.items():
        client = app.test_client()
        client.post("/login", data={"username": name, "password": PASSWORD})
        for url in urls:
            results[f"{name} {url}"] = timed(client, url, args.repeat)
            print(name, url, results[f"{name} {url}"], flush=True)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"boards-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")



if __name__ == "__main__":
    main()
