"""Benchmark of the documents: one approval sheet, and a batch of sheets as one PDF.

(a) one sheet: ``GET /cases/<id>/sheet.pdf`` through the Flask test client with an API
    token, ``--sample`` times over different filed cases after a warm-up request (a warm
    process). Median and p95. Target: median <= 150 ms.
(b) batch: a batch job of ``--batch`` sheets (default 500) queued the way the batch page
    queues it (``documents.jobs.start``: a ``batch_print`` job) and run by a jobs worker
    (the local worker in a thread of this process, which renders itself), polled until
    done, twice: "cold" (the worker's first layout loads fonts and stylesheet) and "warm".
    Targets: <= 30 s for 500 sheets, <= 150 KB per sheet.

The cases are household-exit cases driven through every step (income survey to city
filing: eleven events, two notices, one dismissed objection for every tenth case) with
``create_case``/``perform``, so the sheets are as long as real ones.

    python bench/bench_documents.py                     # fresh SQLite file in /tmp
    python bench/bench_documents.py --batch 100 --sample 10
    python bench/bench_documents.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench

The database is emptied first (every table dropped, then the migrations applied).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from workflow import clock, create_app  # noqa: E402
from workflow.auth.models import RoleAssignment, User  # noqa: E402
from workflow.cases.operations import create_case, perform  # noqa: E402
from workflow.documents import jobs  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402
from workflow.jobs import queue  # noqa: E402
from workflow.jobs.local import LocalWorker  # noqa: E402
from workflow.jobs.models import Job  # noqa: E402
from workflow.jurisdictions.models import add_place  # noqa: E402
from workflow.registry.models import Household, Member  # noqa: E402
from workflow.registry.schemas import ID_CHECK, ID_WEIGHTS  # noqa: E402

PASSWORD = "bench-口令-2020"
SURVEY = {
    "year": 2020, "household_size": 3, "wages": "9000", "farm_net": "3200.50",
    "business_net": "0", "property_income": "300", "transfers": "1500",
    "food_clothing_secure": True, "compulsory_education": True, "medical_insured": True,
    "housing_safe": True, "safe_water": True, "notes": "务工收入稳定，家庭成员均参加医保",
}
APPRAISAL = {"meeting_date": "2020-04-10", "attendees": 31, "votes_for": 29,
             "votes_against": 1, "minutes": "村民代表会议评议，同意退出"}
CONSENT = {"agreed": True, "method": "in_person", "confirmed_on": "2020-04-12"}
REVIEW = {"files_complete": True, "spot_checked": True}
ANNOUNCEMENT = {"announcement_no": "岫扶公告〔2020〕3号", "announced_on": "2020-05-20"}
NAMES = "王堃 张喆 李赟 刘玥 陈昇 赵㛃 孙𠮷 周建国 吴秀英 郑国强".split()


def id_number(serial: int) -> str:
    body = f"210323{dt.date(1950, 1, 1) + dt.timedelta(days=serial):%Y%m%d}{serial % 900 + 1:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def build(app, cases: int) -> list[int]:
    """Places, one user per role, ``cases`` households and their filed cases."""
    with app.app_context():
        rebuild_schema()
        city = add_place("210300", "鞍山市", "city")
        county = add_place("210323", "岫岩满族自治县", "county", city)
        township = add_place("210323106", "偏岭镇", "township", county)
        villages = [add_place(f"210323106{200 + v}", f"村{v}", "village", township)
                    for v in range(1, 6)]
        db.session.flush()

        def user(name: str, role: str, place) -> User:
            u = User(username=name, display_name=f"{name}同志")
            u.set_password(PASSWORD)
            db.session.add_all([u, RoleAssignment(user=u, role=role, jurisdiction=place)])
            return u

        staff = {"township": user("township", "township_reviewer", township),
                 "county": user("county", "county_poverty_office", county),
                 "city": user("city", "city_poverty_office", city)}
        per_village = {v.id: {"clerk": user(f"clerk{v.code}", "village_clerk", v),
                              "team": user(f"team{v.code}", "work_team", v),
                              "helper": user(f"helper{v.code}", "helper", v)} for v in villages}
        households = []
        for i in range(cases):
            village = villages[i % len(villages)]
            name = NAMES[i % len(NAMES)]
            households.append(Household(
                head_name=name, id_number=id_number(i), village=village,
                jurisdiction_path=village.path, registered_year=2016,
                members=[Member(name=name, relation="户主", id_number=id_number(i)),
                         Member(name=f"{name[0]}秀兰", relation="配偶"),
                         Member(name=f"{name[0]}小明", relation="子")]))
        db.session.add_all(households)
        db.session.commit()
        ids = []
        for household in households:
            actors = {**staff, **per_village[household.village_id]}
            ids.append(drive(household, actors, objection=len(ids) % 10 == 0))
        clock.reset()
        return ids


def drive(household: Household, actors: dict[str, User], objection: bool) -> int:
    """One case from the survey to the city filing; returns its id."""
    clock.reset()
    case = create_case("household_exit", household.id, actors["clerk"])
    steps = [("helper", "submit_survey", SURVEY, "入户核算属实"),
             ("clerk", "submit_appraisal", APPRAISAL, "评议通过"),
             ("clerk", "verify", None, "村两委核实无误"),
             ("team", "verify", None, "工作队核实无误"),
             ("clerk", "confirm_consent", CONSENT, "户主当面确认同意退出")]
    if objection:
        steps += [("clerk", "record_village_objection", {"content": "反映收入不稳定"}, ""),
                  ("clerk", "dismiss_village_objection", None, "经核实收入稳定")]
    for who, action, data, opinion in steps:
        perform(case, action, actors[who], opinion=opinion, data=data)
    clock.travel(dt.timedelta(days=8))
    for who, action, data, opinion in [
            ("clerk", "close_village_notice", None, "公示期满无异议"),
            ("township", "township_approve", REVIEW, "资料齐全，抽查属实，同意"),
            ("county", "county_approve", None, "同意退出"),
            ("county", "announce_strike_off", ANNOUNCEMENT, "已公告"),
            ("city", "city_file", None, "已备案")]:
        perform(case, action, actors[who], opinion=opinion, data=data)
    return case.id


def one_sheet(app, ids: list[int], sample: int) -> dict:
    client = app.test_client()
    token = client.post("/api/v1/auth/token",
                        json={"username": "county", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/cases/{ids[0]}/sheet.pdf", headers=headers).status_code == 200
    times, cpu, sizes = [], [], []
    for case_id in ids[1:sample + 1]:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/cases/{case_id}/sheet.pdf", headers=headers)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        sizes.append(len(response.data))
    times.sort()
    return {"sample": len(times), "median_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
            "median_cpu_ms": round(statistics.median(cpu) * 1000, 1),
            "kb_per_pdf": round(statistics.mean(sizes) / 1024, 1)}


def batch(app, count: int) -> dict:
    with app.test_request_context():
        user = db.session.execute(db.select(User).filter_by(username="county")).scalar_one()
        started = time.perf_counter()
        cpu_before = _cpu(app)
        job = jobs.start(user, jobs.Filters(kind="sheet", procedure="household_exit"),
                         "http://127.0.0.1:5000/")
        job_id = job.id
        db.session.remove()
    worker = LocalWorker(app, poll=0.1, periodic=False).start()
    while True:
        time.sleep(0.2)
        with app.app_context():
            job = db.session.get(Job, job_id)
            state, total = job.status, job.total
            file = queue.result_file(job)
            size = file.size if file else 0
            db.session.remove()
        if state in ("done", "failed", "cancelled"):
            break
    worker.stop()
    seconds = time.perf_counter() - started
    cpu = _cpu(app) - cpu_before
    assert state == "done", state
    assert total == count, (total, count)
    return {"sheets": total, "seconds": round(seconds, 2),
            "ms_per_sheet": round(seconds * 1000 / total, 1),
            "cpu_seconds": round(cpu, 2), "cpu_ms_per_sheet": round(cpu * 1000 / total, 1),
            "workers": 1, "mb": round(size / 1e6, 2),
            "kb_per_sheet": round(size / 1024 / total, 1)}


def machine_speed() -> float:
    """Milliseconds for a fixed pure-Python workload (median of 5): this machine's speed
    varies by up to 1.5x from hour to hour, so figures are only comparable next to this."""
    times = []
    for _ in range(5):
        started = time.process_time()
        sum(i * i % 7 for i in range(1_000_000))
        times.append(time.process_time() - started)
    return round(statistics.median(times) * 1000, 1)


def _cpu(app) -> float:
    """CPU seconds of this process (the worker renders in one of its threads)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--sample", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="wf-bench-docs-")
    sqlite_file = None
    url = args.database_url
    if not url:
        sqlite_file = os.path.join(folder, "bench.sqlite")
        url = f"sqlite:///{sqlite_file}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_BACKEND": "local",
                      "DOCUMENTS_BATCH_MAX": max(2000, args.batch)})
    speed = machine_speed()
    print(f"machine speed: {speed} ms for the reference loop (lower is faster)")
    started = time.perf_counter()
    ids = build(app, max(args.batch, args.sample + 1))
    print(f"built {len(ids)} filed cases in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        single = one_sheet(app, ids, args.sample)
    print(f"(a) one sheet: median {single['median_ms']} ms, p95 {single['p95_ms']} ms "
          f"(CPU median {single['median_cpu_ms']} ms), {single['kb_per_pdf']} KB "
          f"(target: median <= 150 ms); load average {os.getloadavg()[0]:.2f}")
    results = {}
    for when in ("cold", "warm"):
        result = results[when] = batch(app, len(ids))
        print(f"(b) batch of {result['sheets']} sheets, {when}: {result['seconds']} s "
              f"({result['ms_per_sheet']} ms/sheet), {result['mb']} MB, "
              f"{result['kb_per_sheet']} KB/sheet (targets: <= 30 s for 500, <= 150 KB/sheet);"
              f" {result['workers']} workers, CPU {result['cpu_seconds']} s "
              f"({result['cpu_ms_per_sheet']} ms/sheet); load average "
              f"{os.getloadavg()[0]:.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    db_kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    path = out / f"documents-{db_kind}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"one_sheet": single, "batch": results, "machine": {
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "speed_ms": [speed, machine_speed()]}}, indent=2))
    print(f"wrote {path}")
    if sqlite_file and os.path.exists(sqlite_file):
        os.remove(sqlite_file)


if __name__ == "__main__":
    main()
