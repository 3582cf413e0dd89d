"""Benchmark of one sector matching run (workflow/sectors/matching.py): N households
(default 1,000,000, about 3.3 million members) in one county against six sources —
医保 (every member but 1 %), 教育 (school-age children, some dropouts), 民政 (the
低保/特困 roll, a few flags disagreeing), 住建 (houses listed C/D, some recorded A/B),
残联 (certificates, some missing) and 公安 (deaths) — then the same run again (nothing
new: every discrepancy is already on the lists).

    python bench/bench_sector_matching.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench
    python bench/bench_sector_matching.py --households 20000 --database-url ...

The database is emptied first (every table dropped, then the migrations applied). The
register and the sector records are bulk-loaded with COPY (the importer's row checks are
bench_import's subject, not this one's); the timed part is ``run_matching`` alone, the
way the ``sectors_match`` job calls it. Target (issue 18): <= 120 s on PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
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
from workflow.housing.models import House, HouseAppraisal  # noqa: E402
from workflow.jurisdictions.models import add_place  # noqa: E402
from workflow.registry.models import Household, Member  # noqa: E402
from workflow.registry.roster import bulk_insert  # noqa: E402
from workflow.registry.schemas import ID_CHECK, ID_WEIGHTS  # noqa: E402
from workflow.sectors.matching import run_matching  # noqa: E402
from workflow.sectors.models import SectorImport, SectorRecord  # noqa: E402

AS_OF = dt.date(2020, 6, 30)
SOURCES = ("medical_insurance", "education", "civil_affairs", "housing", "disability",
           "public_security")


def number(serial: int, year: int) -> str:
    """A valid, unique ID number: the birth year given, month/day/sequence from serial."""
    month_day, seq = divmod(serial % 336_000, 1000)
    body = f"210323{year:04d}{month_day // 28 + 1:02d}{month_day % 28 + 1:02d}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def build(n: int, villages: list, user: User) -> dict[str, int]:
    """The register and the six sources' records; how many rows of each."""
    households, members, houses, appraisals = [], [], [], []
    records: dict[str, list] = {s: [] for s in SOURCES}
    adult = child = 0
    member_id = 0
    for hid in range(1, n + 1):
        village = villages[hid % len(villages)]
        size = 2 + hid % 3  # 2..4 people
        ids = []
        for k in range(size):
            if k == 2:  # a school-age child in every household of three or four
                child += 1
                ids.append((number(child, 2008 + child // 336_000 % 6), True))
            else:
                adult += 1
                ids.append((number(adult, 1940 + adult // 336_000), False))
        dibao, tekun = hid % 10 == 0, hid % 97 == 0
        households.append({"id": hid, "head_name": f"户主{hid}", "id_number": ids[0][0],
                           "village_id": village.id, "jurisdiction_path": village.path,
                           "status": "registered_poor", "dibao": dibao, "tekun": tekun,
                           "registered_year": 2016, "version": 1})
        for k, (idn, is_child) in enumerate(ids):
            member_id += 1
            disabled = hid % 20 == 0 and k == 1
            members.append({"id": member_id, "household_id": hid, "name": f"成员{member_id}",
                            "relation": "户主" if k == 0 else "家属", "id_number": idn,
                            "disabled": disabled})
            if member_id % 100:  # 1 % not insured
                records["medical_insurance"].append((idn, "insured", "2020"))
            if is_child and hid % 300:  # a few children not listed at all
                records["education"].append((idn, "dropout" if hid % 211 == 0 else "enrolled",
                                             None))
            if disabled and hid % 60:  # some certificates missing
                records["disability"].append((idn, "certified", None))
            if member_id % 500 == 0:
                records["public_security"].append((idn, "dead", None))
        if (dibao and hid % 70) or hid % 333 == 0:  # roll mostly agrees
            records["civil_affairs"].append((ids[0][0], "dibao", None))
        if tekun:
            records["civil_affairs"].append((ids[0][0], "tekun", None))
        if hid % 4 == 0:  # a house with an appraisal on record
            houses.append({"id": hid // 4, "household_id": hid, "address": "村",
                           "structure": "砖木", "area": 60, "village_id": village.id,
                           "jurisdiction_path": village.path, "version": 1,
                           "registered_at": dt.datetime(2019, 1, 1)})
            appraisals.append({"house_id": hid // 4, "grade": "B" if hid % 8 else "C",
                               "appraised_on": dt.date(2019, 5, 1), "appraiser": "鉴定员",
                               "certificate_no": f"JD{hid}", "recorded_by_id": user.id})
            records["housing"].append((ids[0][0], "grade_c" if hid % 16 == 0 else "grade_b",
                                       None))
    for table, rows in ((Household, households), (Member, members), (House, houses),
                        (HouseAppraisal, appraisals)):
        bulk_insert(table.__table__, rows)
    county = villages[0].parent.parent
    for source in SOURCES:
        row = SectorImport(source=source, county_id=county.id, jurisdiction_path=county.path,
                           as_of=AS_OF, filename=f"{source}.csv", sha256="0" * 64,
                           rows=len(records[source]), actor_id=user.id)
        db.session.add(row)
        db.session.flush()
        bulk_insert(SectorRecord.__table__, [
            {"import_id": row.id, "line": i + 2, "id_number": idn, "name": "某", "fact": fact,
             "value": value} for i, (idn, fact, value) in enumerate(records[source])])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("households", "household_members", "houses"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                     f" (SELECT MAX(id) FROM {table}))")
            conn.exec_driver_sql("VACUUM ANALYZE")
    return {"households": n, "members": len(members), "houses": len(houses),
            **{f"records_{s}": len(r) for s, r in records.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=200)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (emptied first); default a SQLite file in /tmp")
    args = parser.parse_args()
    path = None
    url = args.database_url
    if url is None:
        path = Path(tempfile.gettempdir()) / f"wf-bench-sectors-{os.getpid()}.sqlite"
        url = f"sqlite:///{path}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    results: dict = {"database": url.split(":")[0], "python": platform.python_version()}
    with app.app_context():
        rebuild_schema()
        city = add_place("210300", "鞍山市", "city")
        county = add_place("210323", "岫岩满族自治县", "county", city)
        villages = []
        for t in range(1, 11):
            township = add_place(f"210323{100 + t}", f"乡镇{t}", "township", county)
            villages += [add_place(f"210323{100 + t}{200 + v:03d}", f"村{t}-{v}", "village",
                                   township) for v in range(1, args.villages // 10 + 1)]
        user = User(username="office", display_name="县扶贫办")
        user.set_password("x")
        db.session.add_all([user, RoleAssignment(user=user, role="county_poverty_office",
                                                 jurisdiction=county)])
        db.session.commit()
        started = time.perf_counter()
        results.update(build(args.households, villages, user))
        results["load_s"] = round(time.perf_counter() - started, 1)
        print("loaded", results, flush=True)
        for label in ("first_run", "second_run"):
            started = time.perf_counter()
            run = run_matching(county, user)
            results[label] = {"seconds": round(time.perf_counter() - started, 2),
                              "found": run.found, "opened": run.opened,
                              "cleared": run.cleared}
            print(label, results[label], flush=True)
    if path is not None and path.exists():
        path.unlink()
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
