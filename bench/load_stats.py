"""CPU accounting and latency summaries for bench_load.py, read from /proc (Linux)."""
from __future__ import annotations

import math
import os
import statistics
import time

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_fields(pid: int, first: int) -> float:
    """Two adjacent tick counters of /proc/<pid>/stat (after the command name), in
    seconds; 0 when the process is gone."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[first]) + int(fields[first + 1])) / TICK


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 when it is gone)."""
    return _cpu_fields(pid, 11)


def children_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the children ``pid`` has waited for (reaped): a
    gunicorn worker recycled or killed during a phase ends up here."""
    return _cpu_fields(pid, 13)


def children(pid: int) -> list[int]:
    """The pids of ``pid``'s child processes (Linux 3.5+)."""
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def app_cpu_seconds(master: int) -> tuple[float, dict[int, float]]:
    """The CPU of a gunicorn master's workers so far: (the reaped ones' total, {live pid:
    its CPU}). The difference of two readings counts every worker that ran in between,
    those recycled in the meantime and their replacements included."""
    return children_cpu_seconds(master), {pid: cpu_seconds(pid) for pid in children(master)}


def machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


def backends(database: str) -> list[int]:
    """The pids of the PostgreSQL backends connected to ``database`` (this probe's own
    connection excluded)."""
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={database}") as conn:
        return [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,))]


class Probe:
    """CPU of the app workers (the children of gunicorn's ``master``), the database's
    backends, this client and the machine, from construction to ``finish()``."""

    def __init__(self, master: int, database: str) -> None:
        self.master, self.database = master, database
        self.pg = {pid: cpu_seconds(pid) for pid in backends(database)}
        self.app = app_cpu_seconds(master)
        self.client = time.process_time()
        self.machine = machine()
        self.started = time.perf_counter()

    def finish(self) -> dict:
        seconds = time.perf_counter() - self.started
        client = time.process_time() - self.client
        reaped, live = app_cpu_seconds(self.master)
        # A worker alive at the start and reaped since is in ``reaped`` with all its CPU;
        # its share before the start was counted then, in ``self.app[1]``.
        app = reaped - self.app[0] + sum(live.values()) - sum(self.app[1].values())
        busy, total = machine()
        pg = sum(cpu_seconds(pid) - self.pg.get(pid, 0.0) for pid in backends(self.database))
        busy, total = busy - self.machine[0], total - self.machine[1]
        return {"seconds": seconds, "app": app, "pg": pg, "client": client,
                "busy": busy, "total": total}


def summary(samples: list[tuple[float, bool]], usage: dict) -> dict:
    """Throughput, latency percentiles, errors and CPU per request of one phase."""
    times = sorted(t for t, _ in samples)
    count = len(times) or 1
    errors = sum(1 for _, ok in samples if not ok)

    def pct(p: float) -> float:
        return times[max(0, math.ceil(p * len(times)) - 1)] * 1000 if times else 0.0

    total = usage["total"] or 1
    ours = usage["app"] + usage["pg"] + usage["client"]
    return {"requests": len(times), "errors": errors,
            "per_s": round(len(times) / usage["seconds"], 1),
            "p50_ms": round(pct(0.5), 1), "p95_ms": round(pct(0.95), 1),
            "mean_ms": round(statistics.fmean(times) * 1000, 1) if times else 0.0,
            "app_cpu_ms": round(usage["app"] * 1000 / count, 2),
            "pg_cpu_ms": round(usage["pg"] * 1000 / count, 2),
            "client_cpu_ms": round(usage["client"] * 1000 / count, 2),
            "machine_busy_pct": round(100 * usage["busy"] / total, 1),
            "other_busy_pct": round(100 * max(0.0, usage["busy"] - ours) / total, 1),
            "seconds": round(usage["seconds"], 2)}
