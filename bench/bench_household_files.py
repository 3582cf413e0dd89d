"""Benchmark of 一户一档: a township's packages (one PDF per household, in a zip) as one
``household_files`` job.

The households and their filed household-exit cases are built as bench_documents.py
builds them (one township, five villages, every case driven from the income survey to
the city filing, so each village notice lists a fifth of the households); every tenth
household also gets a house-renovation case with a photo and a scanned PDF uploaded.
Each package then holds: cover, contents, the exit case's archive cover, sheet, village
notice and county announcement, the renovation case's cover, sheet and evidence where
there is one, the 明白卡 and the manifest.

The job is queued as the township page queues it and run by the local jobs worker in a
thread of this process (it renders itself), polled until done. Reported: seconds, ms
per household, the zip's size (MB, KB per household) and the pages made.

    python bench/bench_household_files.py                    # 50 households, SQLite in /tmp
    python bench/bench_household_files.py --households 500
    python bench/bench_household_files.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench

The database is emptied first (every table dropped, then the migrations applied).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_documents import build, machine_speed  # noqa: E402

from workflow import create_app  # noqa: E402
from workflow.auth.models import User  # noqa: E402
from workflow.cases.models import Case  # noqa: E402
from workflow.cases.operations import create_case  # noqa: E402
from workflow.evidence.operations import attach  # noqa: E402
from workflow.evidence.samples import blank_pdf, sample_photo  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.household_files.models import HouseholdFile  # noqa: E402
from workflow.housing.models import House  # noqa: E402
from workflow.jobs import queue  # noqa: E402
from workflow.jobs.local import LocalWorker  # noqa: E402
from workflow.jobs.models import Job  # noqa: E402
from workflow.jurisdictions.models import Jurisdiction  # noqa: E402

TOWNSHIP = "210323106"


def add_renovations(app, case_ids: list[int]) -> int:
    """A house-renovation case with a photo and a scanned PDF for every tenth household."""
    with app.app_context():
        made = 0
        for n, case_id in enumerate(case_ids):
            if n % 10:
                continue
            case = db.session.get(Case, case_id)
            clerk = db.session.execute(db.select(User).filter_by(
                username=f"clerk{case.village.code}")).scalar_one()
            house = House(household_id=case.subject_id, address=f"{case.village.name}3组{n}号",
                          structure="earth_wood", year_built=1978, area="48.5",
                          village_id=case.village_id, jurisdiction_path=case.jurisdiction_path)
            db.session.add(house)
            db.session.commit()
            renovation = create_case("house_renovation", house.id, clerk)
            attach(renovation, "application_form", blank_pdf(), "申请书.pdf",
                   "application/pdf", clerk)
            attach(renovation, "photo_before", sample_photo(label=str(n)), "改造前.jpg",
                   "image/jpeg", clerk)
            db.session.commit()
            made += 1
        return made


def run_job(app, params: dict) -> dict:
    """Queue a ``household_files`` job as the county official; run it; its figures."""
    with app.test_request_context():
        user = db.session.execute(db.select(User).filter_by(username="county")).scalar_one()
        job = queue.enqueue("household_files", {**params, "base_url": "http://127.0.0.1:5000/"},
                            user)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    started = time.perf_counter()
    worker = LocalWorker(app, poll=0.1, periodic=False).start()
    while True:
        time.sleep(0.2)
        with app.app_context():
            job = db.session.get(Job, job_id)
            state, total, error = job.status, job.total, job.error
            file = queue.result_file(job)
            size = file.size if file else 0
            db.session.remove()
        if state in ("done", "failed", "cancelled"):
            break
    worker.stop()
    seconds = time.perf_counter() - started
    assert state == "done", (state, error)
    with app.app_context():
        pages = db.session.execute(db.select(db.func.sum(HouseholdFile.pages))).scalar()
        db.session.execute(db.delete(HouseholdFile))  # the next run counts its own pages
        db.session.commit()
    return {"households": total, "seconds": round(seconds, 2),
            "ms_per_household": round(seconds * 1000 / total, 1), "mb": round(size / 1e6, 2),
            "kb_per_household": round(size / 1024 / total, 1), "pages": int(pages or 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--households", type=int, default=50)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="wf-bench-files-")
    url = args.database_url or f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_BACKEND": "local",
                      "UPLOAD_FOLDER": os.path.join(folder, "uploads"),
                      "DOCUMENTS_BATCH_MAX": max(2000, args.households)})
    speed = machine_speed()
    print(f"machine speed: {speed} ms for the reference loop (lower is faster)")
    started = time.perf_counter()
    case_ids = build(app, args.households)
    renovations = add_renovations(app, case_ids)
    print(f"built {len(case_ids)} households with filed exit cases, {renovations} with a "
          f"renovation case and evidence, in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        first = db.session.get(Case, case_ids[0]).subject_id
        assert db.session.execute(db.select(Jurisdiction).filter_by(code=TOWNSHIP)).scalar()
    one = run_job(app, {"household": first})
    print(f"one household: {one['seconds']} s, {one['pages']} pages, "
          f"{one['kb_per_household']} KB (the first job: fonts and stylesheet load)")
    township = run_job(app, {"place": TOWNSHIP})
    print(f"township of {township['households']} households: {township['seconds']} s "
          f"({township['ms_per_household']} ms/household), zip {township['mb']} MB "
          f"({township['kb_per_household']} KB/household), {township['pages']} pages; "
          f"load average {os.getloadavg()[0]:.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    path = out / f"household-files-{kind}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({"one": one, "township": township, "machine": {
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "speed_ms": [speed, machine_speed()]}}, indent=2))
    print(f"wrote {path}")
    shutil.rmtree(folder, ignore_errors=True)  # the SQLite file (if any) and the uploads


if __name__ == "__main__":
    main()
