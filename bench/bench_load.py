"""Load benchmark over HTTP: gunicorn + PostgreSQL, driven by a bounded threaded client.

Builds its own database (emptied, migrated, 鞍山市 > 岫岩县 > 2 townships > 20 villages, a
user per role, ``--cases`` household-exit cases waiting for the income survey), starts
gunicorn (``deploy/gunicorn.conf.py`` when it exists, workers from ``--workers`` or the CPU
count) and, for each endpoint and each client count, runs the clients for ``--seconds``:

- ``healthz``    GET /healthz (or the bench's own trivial /_bench/ping): the stack's limit
- ``procedures`` GET /api/v1/procedures with a bearer token
- ``signoff``    POST /api/v1/cases/<id>/actions/submit_survey with the survey form, as the
                 village's 帮扶责任人 through an API token, each on a case of its own, with
                 ``Prefer: return=minimal`` (a client signing off case after case needs the
                 new version and state only)
- ``signoff_full`` the same sign-off answered with the whole case (no ``Prefer``)
- ``todo``       GET / (the to-do page) with a browser session cookie
- ``case``       GET /cases/<id> (the case page) with the session cookie

Reported per phase: requests/s, p50/p95 latency, errors, and CPU per request of the
gunicorn workers (``app``), of the database's PostgreSQL backends (``pg``, read from
/proc) and of this client (``client``), plus how busy the whole machine was (other work
on the same cores makes figures incomparable: the load average is recorded too).
``--variant NAME=DIR`` (repeatable) serves another checkout (e.g. a ``git worktree``
of an older commit) on the next port, and phases alternate between the variants.

    python bench/bench_load.py                                  # load, then measure
    python bench/bench_load.py --skip-load --only signoff,healthz --clients 16
    git worktree add /tmp/wt_old <commit>
    python bench/bench_load.py --variant new=. --variant old=/tmp/wt_old
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_perform import SURVEY, add_households, build_staff  # noqa: E402
from load_stats import Probe, summary  # noqa: E402

PASSWORD = "Bench-口令-2020"
ENDPOINTS = ("healthz", "procedures", "signoff", "todo", "case")
OPTIONAL = ("signoff_full",)  # measured only when named in --only


def load(url: str, cases: int, skip: bool) -> None:
    """Empty and migrate the database, then staff, households and cases (skip: keep)."""
    from workflow import clock, create_app
    from workflow.auth.models import User
    from workflow.cases.operations import create_cases
    from workflow.extensions import db, rebuild_schema
    from workflow.registry.models import Household

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if skip:
            return
        started = time.perf_counter()
        rebuild_schema()
        clock.reset()
        staff = build_staff()
        ids = add_households(staff, cases, 0)
        by_village: dict[int, list[int]] = {}
        for hid, vid in db.session.execute(db.select(Household.id, Household.village_id)
                                           .where(Household.id.in_(ids))).all():
            by_village.setdefault(vid, []).append(hid)
        for vid, hids in by_village.items():
            clerk = db.session.get(User, staff[vid]["clerk"])
            for start in range(0, len(hids), 500):
                create_cases("household_exit", hids[start:start + 500], clerk)
                db.session.expire_all()
        for user in db.session.execute(db.select(User).where(
                User.username.like("helper%"))).scalars():
            user.set_password(PASSWORD)
        db.session.commit()
        # The to-do list's index-only scans need the visibility map and the planner fresh
        # statistics, which autovacuum would bring only minutes later.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"loaded {cases} cases in {time.perf_counter() - started:.0f} s", flush=True)


def plan(url: str) -> dict[str, dict]:
    """Per helper: an API token (issued here) and the cases still waiting for the survey."""
    from workflow import create_app
    from workflow.auth.models import ApiToken, RoleAssignment, User
    from workflow.cases.models import Case
    from workflow.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    out: dict[str, dict] = {}
    with app.app_context():
        rows = db.session.execute(
            db.select(User, RoleAssignment.jurisdiction_id).join(RoleAssignment)
            .where(RoleAssignment.role == "helper").order_by(User.username)).all()
        for user, village_id in rows:
            token, _ = ApiToken.issue(user, 24)
            waiting = db.session.execute(
                db.select(Case.id, Case.version).where(
                    Case.village_id == village_id, Case.state == "income_survey",
                    Case.procedure == "household_exit").order_by(Case.id)).all()
            every = db.session.execute(db.select(Case.id).where(
                Case.village_id == village_id).order_by(Case.id).limit(200)).scalars().all()
            out[user.username] = {"token": token, "waiting": deque(map(tuple, waiting)),
                                  "cases": list(every)}
        db.session.commit()
    return out


class Server:
    """One gunicorn serving the app of ``directory`` on ``port``."""

    def __init__(self, name: str, directory: Path, port: int, url: str, workers: int,
                 worker_class: str) -> None:
        self.name, self.port = name, port
        env = {**os.environ, "WORKFLOW_ENV": "production", "WORKFLOW_DATABASE_URL": url,
               "WORKFLOW_SECRET_KEY": secrets.token_urlsafe(48),
               "WORKFLOW_AUDIT_KEY": secrets.token_urlsafe(48), "WORKFLOW_SECURE_COOKIES": "0",
               "PYTHONPATH": f"{directory}{os.pathsep}{ROOT / 'bench'}"}
        if not env.get("WORKFLOW_RATELIMIT_STORAGE_URI"):  # the measured paths are not
            env["WORKFLOW_RATELIMIT_PER_PROCESS"] = "1"  # rate-limited; set it for Redis
        command = [sys.executable, "-m", "gunicorn"]
        conf = directory / "deploy" / "gunicorn.conf.py"
        if conf.exists():
            command += ["-c", str(conf)]
        command += ["-w", str(workers), "-k", worker_class, "-b", f"127.0.0.1:{port}",
                    "--access-logfile", "/dev/null", "load_wsgi:app"]
        self.process = subprocess.Popen(command, cwd=directory, env=env,  # noqa: S603
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        self.health = "/_bench/ping"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _, _ = request(self.port, "GET", "/healthz")
                if status != 404:
                    self.health = "/healthz"
                    break
                if request(self.port, "GET", "/_bench/ping")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise SystemExit(f"gunicorn ({name}) did not start: "
                             f"{self.process.stderr.read().decode()[-2000:]}")
        self.sessions: dict[str, str] = {}

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(c) for c in children]

    def login(self, username: str) -> str:
        """A session cookie for ``username``, logged in through the login form."""
        if username not in self.sessions:
            _, headers, body = request(self.port, "GET", "/login")
            cookie = cookie_of(headers)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', body.decode()).group(1)
            form = (f"username={username}&password={PASSWORD}&csrf_token={csrf}").encode()
            status, headers, _ = request(self.port, "POST", "/login", form, {
                "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            if status != 302:
                raise SystemExit(f"login of {username} on {self.name} answered {status}")
            self.sessions[username] = cookie_of(headers)
        return self.sessions[username]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:  # workers leaving a big heap take seconds each on a busy machine
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def cookie_of(headers: list[tuple[str, str]]) -> str:
    return "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None, conn: http.client.HTTPConnection | None = None):
    """(status, headers, body) of one request, on ``conn`` (kept alive) or a new one."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        if own:
            conn.close()


def make_job(endpoint: str, server: Server, helpers: dict[str, dict], username: str):
    """A function giving the next request (method, path, body, headers, expected status)."""
    helper = helpers[username]
    bearer = {"Authorization": f"Bearer {helper['token']}"}
    counter = iter(range(10**9))
    if endpoint == "healthz":
        return lambda: ("GET", server.health, None, {}, 200)
    if endpoint == "procedures":
        return lambda: ("GET", "/api/v1/procedures", None, bearer, 200)
    if endpoint in ("signoff", "signoff_full"):
        json_headers = {**bearer, "Content-Type": "application/json"}
        if endpoint == "signoff":
            json_headers["Prefer"] = "return=minimal"

        def signoff():
            case_id, version = helper["waiting"].popleft()  # IndexError: out of cases
            body = json.dumps({"version": version, "opinion": "核算完毕", "data": SURVEY})
            return ("POST", f"/api/v1/cases/{case_id}/actions/submit_survey",
                    body.encode(), json_headers, 200)
        return signoff
    cookie = {"Cookie": server.login(username)}
    if endpoint == "todo":
        return lambda: ("GET", "/", None, cookie, 200)
    cases = helper["cases"]
    return lambda: ("GET", f"/cases/{cases[next(counter) % len(cases)]}", None, cookie, 200)


def phase(endpoint: str, server: Server, helpers: dict, clients: int, seconds: float,
          warmup: float, database: str) -> dict:
    """Run ``clients`` threads against one endpoint; measure after ``warmup`` seconds."""
    names = sorted(helpers)
    jobs = [make_job(endpoint, server, helpers, names[i % len(names)]) for i in range(clients)]
    results: list[list[tuple[float, bool]]] = [[] for _ in range(clients)]
    errors: list[str] = []
    state = {"measuring": False, "stop": False}

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        own = results[index]
        while not state["stop"]:
            try:
                method, path, body, headers, expected = jobs[index]()
            except IndexError:
                errors.append("out of cases: load more with --cases")
                return
            started = time.perf_counter()
            try:
                status, _, _ = request(server.port, method, path, body, headers, conn)
                ok = status == expected
                if not ok and len(errors) < 20:
                    errors.append(f"{method} {path}: {status}")
            except (OSError, http.client.HTTPException) as exc:
                ok = False
                conn.close()
                if len(errors) < 20:
                    errors.append(f"{method} {path}: {exc!r}")
            if state["measuring"]:
                own.append((time.perf_counter() - started, ok))
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    probe = Probe(server.process.pid, database)
    state["measuring"] = True
    time.sleep(seconds)
    state["measuring"] = False
    usage = probe.finish()
    state["stop"] = True
    for t in threads:
        t.join(timeout=60)
    samples = [s for r in results for s in r]
    return {"endpoint": endpoint, "variant": server.name, "clients": clients,
            **summary(samples, usage), "error_examples": errors[:5]}


def report(rows: list[dict]) -> None:
    print(f"\n{'endpoint':<11}{'variant':<9}{'clients':>7}{'req/s':>8}{'p50 ms':>8}"
          f"{'p95 ms':>8}{'errors':>7}{'app ms':>8}{'pg ms':>7}{'client':>7}{'busy %':>7}"
          f"{'other %':>8}")
    for r in rows:
        print(f"{r['endpoint']:<11}{r['variant']:<9}{r['clients']:>7}{r['per_s']:>8.1f}"
              f"{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['errors']:>7}"
              f"{r['app_cpu_ms']:>8.2f}{r['pg_cpu_ms']:>7.2f}{r['client_cpu_ms']:>7.2f}"
              f"{r['machine_busy_pct']:>7.0f}{r['other_busy_pct']:>8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/wf_bench_d",
                        help="an existing PostgreSQL database, emptied unless --skip-load")
    parser.add_argument("--cases", type=int, default=12_000,
                        help="cases waiting for a sign-off (each sign-off uses one)")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                        help="gunicorn workers, the same for every variant (default CPUs + 1, "
                             "as deploy/gunicorn.conf.py)")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--port", type=int, default=5160, help="first port (one per variant)")
    parser.add_argument("--variant", action="append", metavar="NAME=DIR",
                        help="a checkout to serve (default: this one, as 'this')")
    parser.add_argument("--clients", default="8,16,32")
    parser.add_argument("--only", default=",".join(ENDPOINTS))
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds a phase")
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    unknown = set(args.only.split(",")) - set(ENDPOINTS + OPTIONAL) - {""}
    if unknown:
        parser.error(f"unknown endpoint(s) {', '.join(sorted(unknown))}: "
                     f"choose from {', '.join(ENDPOINTS + OPTIONAL)}")
    database = args.database_url.rsplit("/", 1)[1].split("?")[0]
    variants = [(v.split("=", 1)[0], Path(v.split("=", 1)[1]).resolve())
                for v in (args.variant or [f"this={ROOT}"])]
    load(args.database_url, args.cases, args.skip_load)
    helpers = plan(args.database_url)
    print(f"{sum(len(h['waiting']) for h in helpers.values())} cases wait for a sign-off",
          flush=True)
    url = args.database_url
    servers = [Server(name, directory, args.port + i, url, args.workers, args.worker_class)
               for i, (name, directory) in enumerate(variants)]
    result = {"at": dt.datetime.now().isoformat(timespec="seconds"),
              "python": platform.python_version(), "cpus": os.cpu_count(),
              "workers": args.workers, "worker_class": args.worker_class,
              "variants": {n: str(d) for n, d in variants},
              "load_average_before": os.getloadavg(), "phases": []}
    try:
        for endpoint in [e for e in args.only.split(",") if e]:
            for clients in [int(c) for c in args.clients.split(",")]:
                for server in servers:
                    row = phase(endpoint, server, helpers, clients, args.seconds,
                                args.warmup, database)
                    result["phases"].append(row)
                    report([row]) if len(result["phases"]) == 1 else print(
                        f"  {endpoint} {server.name} {clients}: {row['per_s']:.0f}/s",
                        flush=True)
    finally:
        for server in servers:
            server.stop()
    result["load_average_after"] = os.getloadavg()
    report(result["phases"])
    print(f"load average before {result['load_average_before'][0]:.2f}, after "
          f"{result['load_average_after'][0]:.2f}")
    out = Path(args.results)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"results written to {path}")


if __name__ == "__main__":
    main()
