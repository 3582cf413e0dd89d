"""Benchmark of the 月度进展 board (帮扶进展) on PostgreSQL: 100,000 households × 12 months
of progress entries (1,200,000 rows, their categories as the application derives them)
loaded with COPY, the tallies rebuilt from them, then the board pages and the board API
requested through the app test client at city, county, township and village level,
p50 / p95 over --repeat calls.

    createdb -h 127.0.0.1 -U postgres wf_bench_progress
    python bench/bench_progress.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench_progress

The database is emptied first. Target: every board page p95 <= 200 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_boards import PASSWORD, copy, places, timed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from workflow import create_app  # noqa: E402
from workflow.auth.models import RoleAssignment  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402
from workflow.progress import tallies  # noqa: E402

YEAR, LINE, BAR = 2020, Decimal(4000), Decimal(5000)  # the 2020 line; the quality bar
COLUMNS = ["id", "household_id", "village_id", "jurisdiction_path", "year", "month",
           "income_to_date", "household_size", "per_capita", "household_status", "measures",
           "note", "category", "entered_by_id", "entered_by_name", "entered_at", "version"]


def load(n: int, villages, user_id: int) -> None:
    """n households (30 % out of poverty) and one entry per household and month."""
    rng = random.Random(2020)
    conn = db.session.connection()
    status = ["exited" if rng.random() < 0.3 else "registered_poor" for _ in range(n)]
    sizes = [rng.randint(1, 6) for _ in range(n)]
    copy(conn, "households", ["id", "head_name", "id_number", "village_id",
                              "jurisdiction_path", "status", "dibao", "tekun"],
         ((i, f"户主{i}", f"{i:018d}", villages[i % len(villages)].id,
           villages[i % len(villages)].path, status[i - 1], False, False)
          for i in range(1, n + 1)))

    def entries():
        number = 0
        for i in range(1, n + 1):
            village = villages[i % len(villages)]
            annual = Decimal(rng.randint(2500, 9000))  # per person, the year's pace
            reached = False
            for month in range(1, 13):
                number += 1
                per_capita = (annual * month / 12).quantize(Decimal("0.01"))
                size = sizes[i - 1]
                cat = tallies.category(per_capita, status[i - 1], LINE, BAR, reached)
                reached = reached or cat in ("reached", "above")
                at = dt.datetime(YEAR, month, 20, 2)
                yield (number, i, village.id, village.path, YEAR, month,
                       str(per_capita * size), size, str(per_capita), status[i - 1],
                       None, "bench", cat, user_id, "bench", at, 1)
    copy(conn, "household_progress", COLUMNS, entries())
    db.session.commit()
    for table in ("households", "household_progress"):
        db.session.execute(text(f"SELECT setval('{table}_id_seq', "
                                f"(SELECT max(id) FROM {table}))"))
    db.session.commit()
    started = time.perf_counter()
    rows = tallies.rebuild()
    print(f"tallies rebuilt from the entries: {rows} rows in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    with db.engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--skip-load", action="store_true",
                        help="time the pages on the data a previous run loaded")
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "LOGIN_LIMIT": "1000 per minute"})
    results: dict = {"households": args.households, "entries": args.households * 12}
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
    pages = {name: [f"/progress/board?place={codes[name]}&month={YEAR}-{m:02d}"
                    for m in (3, 6, 12)] for name in ("city", "county", "township", "clerk")}
    pages["city"].append(f"/api/v1/progress/board?place={codes['city']}&month={YEAR}-06")
    for name, urls in pages.items():
        client = app.test_client()
        client.post("/login", data={"username": name, "password": PASSWORD})
        token = client.post("/api/v1/auth/token", json={"username": name,
                                                        "password": PASSWORD}).get_json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        for url in urls:
            results[f"{name} {url}"] = timed(client, url, args.repeat) \
                if not url.startswith("/api/") else timed_api(client, url, headers,
                                                              args.repeat)
            print(name, url, results[f"{name} {url}"], flush=True)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"progress-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


def timed_api(client, url: str, headers: dict, repeat: int) -> dict:
    import statistics

    assert client.get(url, headers=headers).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert client.get(url, headers=headers).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}


if __name__ == "__main__":
    main()
