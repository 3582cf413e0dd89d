"""Benchmark of the sign-off path: ``perform`` latency, and household-exit cases per second.

(a) latency: every ``perform`` call of ``--sample`` household-exit cases driven from the
    income survey to the city filing, ``time.perf_counter()`` around the call only
    (form validation, guards, effects, notices, audit event, commit). Median and p95 per
    action and overall. Target: median <= 5 ms on SQLite.
(b) throughput: ``--cases`` cases (default 10,000) created and driven to ``filed``
    through ``create_case``/``perform``, stage by stage, the clock travelling past the
    village notice. Total seconds and cases/s. Target: <= 60 s on a 2-core machine.
    ``--workers`` splits the cases over processes; ``--batch`` uses ``perform_many``.

Each call is made the way a request would make it: a fresh session, then the actor and
the case loaded by id (not timed), then the sign-off (timed in (a)).

    python bench/bench_perform.py --cases 200            # quick, fresh SQLite file in /tmp
    python bench/bench_perform.py --database-url postgresql+psycopg://postgres@127.0.0.1/wf_bench

The database is emptied first (every table dropped, then the migrations applied).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import math
import multiprocessing
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from workflow import clock, create_app  # noqa: E402
from workflow.auth.models import RoleAssignment, User  # noqa: E402
from workflow.cases.models import Case  # noqa: E402
from workflow.cases.operations import create_case, perform  # noqa: E402
from workflow.extensions import db, rebuild_schema  # noqa: E402
from workflow.jurisdictions.models import Jurisdiction, add_place  # noqa: E402
from workflow.registry.models import Household, Member  # noqa: E402
from workflow.registry.schemas import ID_CHECK, ID_WEIGHTS  # noqa: E402

PROCEDURE = "household_exit"
VILLAGES_PER_TOWNSHIP = 10
SURVEY = {
    "year": 2020, "household_size": 3, "wages": "9000", "farm_net": "3200.50",
    "business_net": "0", "property_income": "300", "transfers": "1500",
    "food_clothing_secure": True, "compulsory_education": True, "medical_insured": True,
    "housing_safe": True, "safe_water": True, "notes": "务工收入稳定",
}
APPRAISAL = {"meeting_date": "2020-04-10", "attendees": 31, "votes_for": 29,
             "votes_against": 1, "minutes": "村民代表会议评议，同意退出"}
CONSENT = {"agreed": True, "method": "in_person", "confirmed_on": "2020-04-12"}
REVIEW = {"files_complete": True, "spot_checked": True}
ANNOUNCEMENT = {"announcement_no": "岫扶公告〔2020〕3号", "announced_on": "2020-05-20"}
# (who, action, data, opinion); None marks the wait for the village notice to run out.
STEPS: list[tuple[str, str, dict | None, str] | None] = [
    ("helper", "submit_survey", SURVEY, "核算完毕"),
    ("clerk", "submit_appraisal", APPRAISAL, "评议通过"),
    ("clerk", "verify", None, "村两委核实"),
    ("team", "verify", None, "工作队核实"),
    ("clerk", "confirm_consent", CONSENT, "户主同意"),
    None,
    ("clerk", "close_village_notice", None, "公示期满无异议"),
    ("township", "township_approve", REVIEW, "同意"),
    ("county", "county_approve", None, "同意退出"),
    ("county", "announce_strike_off", ANNOUNCEMENT, "已公告"),
    ("city", "city_file", None, "备案"),
]


def id_number(serial: int) -> str:
    """A well-formed, unique 18-digit ID number for fictional household ``serial``."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=serial // 400)
    body = f"210323{birth:%Y%m%d}{serial % 400 * 2 + 1:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def build_schema(app) -> None:
    """Drop every table and apply the migrations."""
    with app.app_context():
        rebuild_schema()


def build_staff() -> dict[str, dict]:
    """Places and one user per role per place; returns user ids by village id."""
    city = add_place("210300", "鞍山市", "city")
    county = add_place("210323", "岫岩满族自治县", "county", city)
    users: list[tuple[User, str, Jurisdiction]] = []

    def user(name: str, role: str, place: Jurisdiction) -> User:
        u = User(username=name, display_name=name, password_hash="!")  # cannot log in
        db.session.add(u)
        db.session.add(RoleAssignment(user=u, role=role, jurisdiction=place))
        users.append((u, role, place))
        return u

    county_user = user("county", "county_poverty_office", county)
    city_user = user("city", "city_poverty_office", city)
    villages = []
    for t in (106, 107):
        township = add_place(f"210323{t}", f"乡镇{t}", "township", county)
        reviewer = user(f"review{t}", "township_reviewer", township)
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            village = add_place(f"210323{t}{200 + v}", f"村{t}-{v}", "village", township)
            villages.append((village, {
                "clerk": user(f"clerk{t}{v}", "village_clerk", village),
                "team": user(f"team{t}{v}", "work_team", village),
                "helper": user(f"helper{t}{v}", "helper", village),
                "township": reviewer, "county": county_user, "city": city_user}))
    db.session.commit()
    return {v.id: {who: u.id for who, u in actors.items()} for v, actors in villages}


def add_households(staff: dict[str, dict], count: int, first_serial: int) -> list[int]:
    """``count`` registered poor households of three, spread over the villages (bulk)."""
    villages = db.session.execute(
        db.select(Jurisdiction.id, Jurisdiction.path).where(Jurisdiction.level == "village")
        .order_by(Jurisdiction.id)).all()
    ids: list[int] = []
    for start in range(0, count, 2000):
        rows = []
        for i in range(start, min(count, start + 2000)):
            village_id, path = villages[i % len(villages)]
            rows.append({"head_name": f"王{first_serial + i}", "id_number":
                         id_number(first_serial + i), "village_id": village_id,
                         "jurisdiction_path": path, "status": "registered_poor",
                         "registered_year": 2016})
        batch = list(db.session.scalars(insert(Household).returning(Household.id), rows))
        db.session.execute(insert(Member), [
            {"household_id": hid, "name": name, "relation": rel} for hid in batch
            for name, rel in (("户主", "户主"), ("配偶", "配偶"), ("子女", "子"))])
        ids += batch
    db.session.commit()
    return ids


class Driver:
    """Creates and advances cases like requests would, recording ``perform`` times."""

    def __init__(self, staff: dict[int, dict], notice_days: int) -> None:
        self.staff = staff
        self.notice_days = notice_days
        self.times: dict[str, list[float]] = defaultdict(list)
        self.other: dict[str, list[float]] = defaultdict(list)  # outside perform
        self.cpu: list[float] = []  # this thread's CPU time in each perform of (a)

    def _actor(self, village_id: int, who: str) -> User:
        """The user acting as ``who`` (clerk, team, helper, ...) for ``village_id``."""
        return db.session.get(User, self.staff[village_id][who])

    def create(self, household_id: int) -> tuple[int, int]:
        db.session.remove()
        household = db.session.get(Household, household_id)
        actor = self._actor(household.village_id, "clerk")
        started = time.perf_counter()
        case = create_case(PROCEDURE, household_id, actor)
        self.other["create_case"].append(time.perf_counter() - started)
        return case.id, case.village_id

    def step(self, case_id: int, village_id: int, who: str, action: str, data: dict | None,
             opinion: str) -> None:
        loading = time.perf_counter()
        db.session.remove()  # a new request: fresh session, actor and case loaded by id
        actor = self._actor(village_id, who)
        case = db.session.get(Case, case_id)
        version = case.version
        cpu = time.thread_time()
        started = time.perf_counter()
        perform(case, action, actor, version=version, opinion=opinion, data=data)
        ended = time.perf_counter()
        self.cpu.append(time.thread_time() - cpu)
        self.times[action].append(ended - started)
        self.other["load_actor_and_case"].append(started - loading)

    def step_many(self, cases: list[tuple[int, int]], who: str, action: str,
                  data: dict | None, opinion: str) -> None:
        """One ``perform_many`` call (批量办理) for cases that share their actor."""
        from workflow.cases.operations import SignOff, perform_many

        loading = time.perf_counter()
        db.session.remove()
        actor = self._actor(cases[0][1], who)
        ids = [case_id for case_id, _ in cases]
        loaded = {c.id: c for c in db.session.execute(
            db.select(Case).where(Case.id.in_(ids))).scalars()}
        sign_offs = [SignOff(loaded[i], action, loaded[i].version, opinion, data) for i in ids]
        started = time.perf_counter()
        perform_many(sign_offs, actor)
        self.times[action].append(time.perf_counter() - started)
        self.other["load_actor_and_cases"].append(started - loading)

    def create_many(self, household_ids: list[int]) -> list[tuple[int, int]]:
        """One ``create_cases`` call (批量发起) for households of one village."""
        from workflow.cases.operations import create_cases

        db.session.remove()
        village_id = db.session.get(Household, household_ids[0]).village_id
        started = time.perf_counter()
        cases = create_cases(PROCEDURE, household_ids, self._actor(village_id, "clerk"))
        self.other["create_cases"].append(time.perf_counter() - started)
        return [(c.id, c.village_id) for c in cases]

    def drive(self, household_ids: list[int], batch: int = 1) -> None:
        """All cases through every step, stage by stage (one clock jump for the notice);
        with ``batch`` > 1, cases are opened and signed off in groups per village/actor."""
        if batch == 1:
            cases = [self.create(h) for h in household_ids]
        else:
            by_village: dict[int, list[int]] = defaultdict(list)
            for hid, vid in db.session.execute(
                    db.select(Household.id, Household.village_id)
                    .where(Household.id.in_(household_ids))).all():
                by_village[vid].append(hid)
            cases = [case for ids in by_village.values()
                     for start in range(0, len(ids), batch)
                     for case in self.create_many(ids[start:start + batch])]
        for step in STEPS:
            if step is None:
                clock.travel(dt.timedelta(days=self.notice_days + 1))
                continue
            who, action, data, opinion = step
            if batch == 1:
                for case_id, village_id in cases:
                    self.step(case_id, village_id, who, action, data, opinion)
                continue
            by_actor: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for case_id, village_id in cases:
                by_actor[self.staff[village_id][who]].append((case_id, village_id))
            for group in by_actor.values():
                for start in range(0, len(group), batch):
                    self.step_many(group[start:start + batch], who, action, data, opinion)
        db.session.remove()


def stats(samples: list[float]) -> dict:
    """Count, median, p95 and mean of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    return {"count": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000, 3),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 3)}


def _worker(url: str, staff: dict, notice: int, household_ids: list[int], barrier,
            queue, durability: tuple[str | None, str | None], batch: int) -> None:
    """One process of (b) with ``--workers`` > 1: its own app, engine and clock."""
    _durability(*durability)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        driver = Driver(staff, notice)
        db.session.execute(db.select(Case.id).limit(1)).all()  # connect before the start
        db.session.remove()
        barrier.wait()
        started = time.time()
        driver.drive(household_ids, batch)
        queue.put((started, time.time(), dict(driver.times), dict(driver.other)))


def _parallel(args, staff: dict, notice: int, bulk_ids: list[int]) -> tuple[float, dict, dict]:
    """Run (b) in ``args.workers`` processes; wall time from the common start to the last end."""
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(args.workers), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(args.database_url, staff, notice,
                                               bulk_ids[i::args.workers], barrier, queue,
                                               (args.sqlite_synchronous,
                                                args.pg_synchronous_commit), args.batch))
             for i in range(args.workers)]
    for proc in procs:
        proc.start()
    outcomes = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode:
            raise SystemExit(f"a worker failed (exit code {proc.exitcode})")
    times: dict[str, list[float]] = defaultdict(list)
    other: dict[str, list[float]] = defaultdict(list)
    for _, _, worker_times, worker_other in outcomes:
        for action, samples in worker_times.items():
            times[action] += samples
        for name, samples in worker_other.items():
            other[name] += samples
    seconds = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
    return seconds, times, other


def _durability(sqlite_mode: str | None, pg_commit: str | None) -> None:
    """Override ``PRAGMA synchronous`` (SQLite, after the app's own pragmas) or
    ``synchronous_commit`` (PostgreSQL) on every new connection, to measure the fsyncs."""
    @event.listens_for(Engine, "connect")
    def _settings(dbapi_connection, _record) -> None:
        module = type(dbapi_connection).__module__
        if sqlite_mode and module.startswith("sqlite3"):
            dbapi_connection.execute(f"PRAGMA synchronous={sqlite_mode}")
        if pg_commit and module.startswith("psycopg"):
            dbapi_connection.execute(f"SET synchronous_commit TO {pg_commit}")
            dbapi_connection.commit()


def run(args) -> dict:
    _durability(args.sqlite_synchronous, args.pg_synchronous_commit)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    build_schema(app)
    result: dict = {"database": args.database_url.split(":")[0].split("+")[0],
                    "python": platform.python_version(), "machine": platform.machine(),
                    "cpus": os.cpu_count(), "workers": args.workers, "batch": args.batch,
                    "sqlite_synchronous": args.sqlite_synchronous or "engine default (FULL)",
                    "pg_synchronous_commit": args.pg_synchronous_commit or "server default",
                    "load_average_before": os.getloadavg(),
                    "at": dt.datetime.now().isoformat(timespec="seconds")}
    profiler = cProfile.Profile() if args.profile else None
    with app.app_context():
        staff = build_staff()
        notice = max(app.config["NOTICE_DAYS"]["household_exit.village_notice"], 7)
        sample_ids = add_households(staff, args.sample, 0)
        bulk_ids = add_households(staff, args.cases, args.sample)
        db.session.remove()
        clock.reset()
        try:
            latency = Driver(staff, notice)
            latency.drive(sample_ids)  # (a)
            every = [t for ts in latency.times.values() for t in ts]
            result["signoff"] = {"per_action": {a: stats(ts) for a, ts in latency.times.items()},
                                 "overall": stats(every),
                                 # CPU time of the calling thread: on a shared, loaded
                                 # machine this moves far less than the wall time.
                                 "overall_cpu": stats(latency.cpu)}
            clock.reset()
            if args.workers > 1:  # (b)
                seconds, times, other = _parallel(args, staff, notice, bulk_ids)
            else:
                bulk = Driver(staff, notice)
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                bulk.drive(bulk_ids, args.batch)
                if profiler:
                    profiler.disable()
                seconds, times, other = time.perf_counter() - started, bulk.times, bulk.other
        finally:
            clock.reset()
        filed = db.session.execute(db.select(db.func.count()).select_from(Case)
                                   .where(Case.state == "filed")).scalar_one()
        if filed != len(sample_ids) + len(bulk_ids):
            raise SystemExit(f"only {filed} cases reached 'filed'")
    result["load_average_after"] = os.getloadavg()
    # creations plus sign-offs, however many calls carried them (see --batch)
    operations = len(bulk_ids) * (1 + sum(1 for step in STEPS if step))
    result["throughput"] = {"cases": len(bulk_ids), "seconds": round(seconds, 2),
                            "cases_per_s": round(len(bulk_ids) / seconds, 1),
                            "operations": operations,
                            "calls": sum(len(ts) for ts in times.values()) + len(bulk_ids),
                            "operations_per_s": round(operations / seconds, 1),
                            "signoff_overall": stats([t for ts in times.values() for t in ts]),
                            "seconds_per_action": {a: round(sum(ts), 3) for a, ts in times.items()},
                            "seconds_in": {"perform": round(sum(map(sum, times.values())), 2),
                                           **{k: round(sum(v), 2) for k, v in other.items()}}}
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return result


def report(result: dict) -> None:
    print(f"\n{result['database']}: perform latency ({result['signoff']['overall']['count']} "
          "calls, perf_counter around perform only)")
    print(f"  {'action':<24} {'count':>6} {'median ms':>10} {'p95 ms':>8}")
    rows = {**result["signoff"]["per_action"], "ALL": result["signoff"]["overall"]}
    for name, s in rows.items():
        print(f"  {name:<24} {s['count']:>6} {s['median_ms']:>10.2f} {s['p95_ms']:>8.2f}")
    cpu = result["signoff"]["overall_cpu"]
    print(f"  {'ALL (thread CPU time)':<24} {cpu['count']:>6} {cpu['median_ms']:>10.2f} "
          f"{cpu['p95_ms']:>8.2f}")
    t = result["throughput"]
    batch = f", perform_many batches of up to {result['batch']}" if result["batch"] > 1 else ""
    print(f"\n{t['cases']} cases created and driven to filed by {result['workers']} "
          f"process(es){batch}: {t['seconds']:.1f} s, "
          f"{t['cases_per_s']:.1f} cases/s ({t['operations']} operations, "
          f"{t['operations_per_s']:.0f}/s; call median {t['signoff_overall']['median_ms']:.2f}"
          f" ms, p95 {t['signoff_overall']['p95_ms']:.2f} ms)")
    spent = ", ".join(f"{k} {v:.1f} s" for k, v in t["seconds_in"].items())
    print(f"  time spent in: {spent}; load average before/after "
          f"{result['load_average_before'][0]:.2f}/{result['load_average_after'][0]:.2f}")


def main() -> None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL of an existing database, which is emptied "
                             "(default: a fresh SQLite file in /tmp)")
    parser.add_argument("--cases", type=int, default=10_000, help="cases for (b)")
    parser.add_argument("--sample", type=int, default=300,
                        help="cases whose every sign-off is timed for (a)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes sharing the cases of (b) (default 1)")
    parser.add_argument("--batch", type=int, default=1,
                        help="sign off the cases of (b) through perform_many in groups of up "
                             "to N per actor (default 1: one perform per sign-off)")
    parser.add_argument("--sqlite-synchronous", choices=("OFF", "NORMAL", "FULL"),
                        help="override PRAGMA synchronous on SQLite, to measure what the "
                             "fsync per commit costs (default: leave the engine's setting)")
    parser.add_argument("--pg-synchronous-commit", choices=("on", "off"),
                        help="override synchronous_commit on PostgreSQL (same purpose)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile (b) into FILE and print "
                        "the top functions (with --workers 1)")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"),
                        help="folder for the JSON results")
    args = parser.parse_args()
    fresh = None
    if args.database_url is None:
        fresh = os.path.join(tempfile.gettempdir(), f"wf-bench-{stamp}-{os.getpid()}.sqlite")
        args.database_url = f"sqlite:///{fresh}"
    try:
        result = run(args)
    finally:
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(fresh + suffix):
                    os.remove(fresh + suffix)
    result["cases_arg"], result["sample_arg"] = args.cases, args.sample
    report(result)
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result['database']}-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
