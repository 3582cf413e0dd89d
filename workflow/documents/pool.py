"""Warm batch workers: processes that lay documents out and stay up between batch jobs.

WeasyPrint is CPU-bound Python, so a batch spreads its chunks over a few processes
(``python -m workflow.documents.worker``). Starting one costs ≈ 2.3 s of imports, app
set-up, stylesheet and fonts — 8 % of a 500-sheet batch — so workers are kept:

- the batch page starts them when a user opens it (``prestart``), and they warm up while
  the user chooses the filters;
- a job takes idle workers (``acquire``), starting more if too few are waiting, and gives
  them back when done (``release``);
- an idle worker exits by itself after ``DOCUMENTS_WORKER_IDLE_SECONDS`` (default 600; 0:
  workers end with their job) or when this process ends (its stdin closes).

Workers are kept per app configuration (a test app and the real one never share). A job
hands out its chunks one at a time, so a worker that finishes early takes the next.

Protocol (worker.py): the parent writes length-prefixed pickles to the worker's stdin —
first the app settings, then one request per chunk — and the worker answers each chunk
with one line on stdout, ``ok <documents>`` or ``error <message>``.
"""
from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask import current_app

from workflow import clock

ROOT = Path(__file__).resolve().parents[2]
# A worker idle for nearly its limit may be exiting: it is not handed out again.
_SAFETY_SECONDS = 30
_LOCK = threading.Lock()
_IDLE: dict[str, list[Worker]] = {}


class WorkerFailed(RuntimeError):
    """A worker process died or could not lay a chunk out."""


@dataclass
class Worker:
    """One worker process and where its error output goes."""

    proc: subprocess.Popen
    errors: IO[bytes]
    idle_since: float = field(default_factory=time.monotonic)

    def render(self, kind: str, ids: list[int], base_url: str, target: Path) -> int:
        """Lay out the documents of ``ids`` into ``target``; how many there were."""
        request = {"kind": kind, "ids": ids, "base_url": base_url, "target": str(target),
                   "clock_offset": _clock_offset()}
        try:
            _send(self.proc.stdin, request)
            line = self.proc.stdout.readline().decode(errors="replace").strip()
        except OSError:
            line = ""
        status, _, detail = line.partition(" ")
        if status == "ok":
            return int(detail)
        if status == "error":
            raise WorkerFailed(detail)
        raise WorkerFailed(f"document worker exited with {self.proc.wait()}: {self._tail()}")

    def usable(self, idle_limit: int) -> bool:
        fresh = time.monotonic() - self.idle_since < idle_limit - _SAFETY_SECONDS
        return fresh and self.proc.poll() is None

    def stop(self) -> None:
        """Close its stdin (it exits when it sees that) and wait briefly."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
        self.errors.close()

    def _tail(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode(errors="replace")[-2000:]


def idle_limit() -> int:
    """Seconds an idle worker waits for the next job (0: workers end with their job)."""
    return int(current_app.config.get("DOCUMENTS_WORKER_IDLE_SECONDS", 600))


def prestart(count: int) -> None:
    """Have ``count`` workers of this app up or starting (the batch page calls this)."""
    if idle_limit() <= 0:
        return
    key, settings = _settings()
    with _LOCK:
        waiting = _take_usable(key)
        waiting += [_spawn(settings) for _ in range(count - len(waiting))]
        _IDLE[key] = waiting


def acquire(count: int) -> list[Worker]:
    """``count`` workers for one job: waiting ones first, new ones for the rest."""
    key, settings = _settings()
    with _LOCK:
        waiting = _take_usable(key)
        taken, _IDLE[key] = waiting[:count], waiting[count:]
    return taken + [_spawn(settings) for _ in range(count - len(taken))]


def release(workers: list[Worker]) -> None:
    """Give a job's workers back (or stop them, if workers are not kept)."""
    keep = idle_limit() > 0
    key, _ = _settings()
    alive = [w for w in workers if keep and w.proc.poll() is None]
    with _LOCK:
        for worker in alive:
            worker.idle_since = time.monotonic()
            _IDLE.setdefault(key, []).append(worker)
    for worker in workers:
        if worker not in alive:
            worker.stop()


def _take_usable(key: str) -> list[Worker]:
    """Remove ``key``'s waiting workers from the pool: the usable ones, the others
    stopped (call with ``_LOCK`` held)."""
    usable = []
    for worker in _IDLE.pop(key, []):
        if worker.usable(idle_limit()):
            usable.append(worker)
        else:
            worker.stop()
    return usable


def waiting() -> list[int]:
    """The process ids of this app's idle workers (for the batch page's tests)."""
    key, _ = _settings()
    with _LOCK:
        return [w.proc.pid for w in _IDLE.get(key, [])]


def stop_all() -> None:
    """Stop every waiting worker (at exit, and for tests)."""
    with _LOCK:
        workers = [w for group in _IDLE.values() for w in group]
        _IDLE.clear()
    for worker in workers:
        worker.stop()


atexit.register(stop_all)


def _spawn(settings: dict[str, Any]) -> Worker:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    errors = tempfile.TemporaryFile()
    proc = subprocess.Popen(  # noqa: S603 - our own module, no shell, no user input
        [sys.executable, "-m", "workflow.documents.worker"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=errors, cwd=ROOT, env=env)
    _send(proc.stdin, {"config": settings})
    return Worker(proc, errors)


def _send(stream, message: dict[str, Any]) -> None:
    data = pickle.dumps(message)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _settings() -> tuple[str, dict[str, Any]]:
    """The app's picklable settings, and a key naming them (workers are kept per key)."""
    settings = {}
    for name, value in current_app.config.items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: S112 - unpicklable settings stay behind
            continue
        settings[name] = value
    key = hashlib.sha256(pickle.dumps(sorted(settings.items(), key=lambda kv: kv[0])))
    return key.hexdigest(), settings


def _clock_offset() -> float:
    """How far ``workflow.clock`` has travelled (tests), for the worker processes."""
    real = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return round((clock.utcnow() - real).total_seconds())
