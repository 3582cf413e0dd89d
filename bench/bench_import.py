"""Benchmark of the register import: 100,000 households (about 350,000 people and 200,000
income rows) as two CSV files, imported through ``registry.roster.import_roster``, then
the same files again (the no-op re-import), and optionally as one .xlsx workbook.

    python bench/bench_import.py                          # fresh SQLite file in /tmp
    python bench/bench_import.py --households 10000 --xlsx
    python bench/bench_import.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench

The database is emptied first (every table dropped, then the migrations applied). Target:
100,000 households in <= 60 s on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from workflow import create_app  # noqa: E402
from workflow.auth.models import RoleAssignment, User  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402
from workflow.jurisdictions.models import add_place  # noqa: E402
from workflow.registry.models import Household  # noqa: E402
from workflow.registry.roster import export_file, import_roster  # noqa: E402
from workflow.registry.roster_check import INCOME_COLUMNS, MEMBER_COLUMNS  # noqa: E402
from workflow.registry.schemas import ID_CHECK, ID_WEIGHTS  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰玉珍明华堃喆赟玥昇"


def roster(households: int, villages: list[str]) -> tuple[bytes, bytes]:
    """Two CSV files; every ID number unique (serials spread over birth dates)."""
    members, incomes = io.StringIO(), io.StringIO()
    mw, iw = csv.writer(members), csv.writer(incomes)
    mw.writerow(MEMBER_COLUMNS)
    iw.writerow(INCOME_COLUMNS)
    serial = 0
    for i in range(households):
        size = 2 + i % 4
        ids = []
        for _ in range(size):
            serial += 1
            ids.append(unique_id(serial))
        head = ids[0]
        name = SURNAMES[i % 20] + GIVEN[i % 15] + GIVEN[(i // 15) % 15]
        mw.writerow([head, villages[i % len(villages)], name, head, "户主", "否",
                     "建档立卡贫困户", "否", "否", "", "2016", "", ""])
        for j, number in enumerate(ids[1:], start=1):
            mw.writerow([head, "", f"{name}{j}", number, "家属", "否"] + [""] * 7)
        for year in (2019, 2020):
            iw.writerow([head, year, 6000 + i % 5000, "2500.50", "0", "120", "1800", size])
    return members.getvalue().encode("utf-8-sig"), incomes.getvalue().encode("utf-8-sig")


def unique_id(serial: int) -> str:
    """A valid ID number per serial: birth date from serial // 1000, sequence from the rest."""
    days, seq = divmod(serial, 1000)
    year, rest = 1940 + days // 336, days % 336
    body = f"210323{year:04d}{rest // 28 + 1:02d}{rest % 28 + 1:02d}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--xlsx", action="store_true", help="also time the .xlsx round trip")
    args = parser.parse_args()
    path = None
    url = args.database_url
    if url is None:
        path = Path(tempfile.gettempdir()) / f"wf-bench-import-{os.getpid()}.sqlite"
        url = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    results: dict = {"households": args.households, "database": url.split(":")[0],
                     "python": platform.python_version()}
    with app.app_context():
        rebuild_schema()
        city = add_place("210300", "鞍山市", "city")
        county = add_place("210323", "岫岩满族自治县", "county", city)
        villages = []
        for t in range(1, 5):
            township = add_place(f"210323{100 + t}", f"乡镇{t}", "township", county)
            villages += [add_place(f"210323{100 + t}{200 + v}", f"村{t}-{v}", "village",
                                   township).code for v in range(1, 26)]
        user = User(username="importer", display_name="县扶贫办导入员")
        user.set_password("x")
        db.session.add_all([user, RoleAssignment(user=user, role="admin", jurisdiction=county)])
        db.session.commit()
        started = time.perf_counter()
        members, incomes = roster(args.households, villages)
        results["generate_s"] = round(time.perf_counter() - started, 2)
        results["csv_mb"] = round((len(members) + len(incomes)) / 1e6, 1)
        files = [("家庭成员.csv", members), ("收入.csv", incomes)]
        for label in ("import_s", "reimport_s"):
            started = time.perf_counter()
            report = import_roster(files, user)
            results[label] = round(time.perf_counter() - started, 2)
            assert not report.problems, report.problems[:5]
            results[label.replace("_s", "")] = {"created": report.created,
                                                "updated": report.updated,
                                                "unchanged": report.unchanged}
        results["rows_in_db"] = db.session.query(Household).count()
        if args.xlsx:
            started = time.perf_counter()
            workbook, _ = export_file(user, "xlsx")  # recorded on the register trail
            results["export_xlsx_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            report = import_roster([("roster.xlsx", workbook)], user)
            results["reimport_xlsx_s"] = round(time.perf_counter() - started, 2)
            assert not report.problems and report.created == 0 and report.updated == 0
    if path is not None and path.exists():
        path.unlink()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
