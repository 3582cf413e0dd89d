"""What jobs there are: ``@job_kind`` for jobs users start, ``@periodic`` for timed ones.

A job kind is a plain function ``fn(ctx)``; the same function runs under the
Procrastinate worker (PostgreSQL) and under the local worker (SQLite). ``ctx`` gives the
params, the user, ``progress``, ``cancelled`` and ``save_file``; everything the function
writes through ``db.session`` is committed together with the status 'done' and its files
(so a job killed half-way leaves nothing visible, and its rerun starts clean).

Raise ``JobError("中文原因")`` for a failure a retry cannot mend (bad input, nothing to
print): the job fails at once with that message. Any other exception is retried up to
the job's ``max_attempts``.

Each attempt has a time limit (``timeout_seconds``, else JOBS_TIMEOUT_SECONDS). Past it,
``ctx.progress`` and ``ctx.check_cancelled`` raise ``TimedOut`` (retried like any error),
and the attempt's heartbeat stops, so an attempt stuck where it never calls them looks
dead to the other workers and is taken over instead of holding its row for ever.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class JobError(Exception):
    """A failure to show the user as is (Chinese), never retried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Cancelled(Exception):
    """Raised by ``ctx.check_cancelled()`` when the user cancelled the job."""


class TimedOut(Exception):
    """Raised by ``ctx.progress``/``ctx.check_cancelled`` past the attempt's time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"time limit of {seconds:g} s reached")
        self.seconds = seconds


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    fn: Callable[[Any], None]
    validate: Callable[[dict, Any], dict] | None = None  # (params, user) -> params
    max_attempts: int | None = None  # None: JOBS_MAX_ATTEMPTS
    timeout_seconds: float | None = None  # None: JOBS_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Periodic:
    name: str
    cron: str
    fn: Callable[[], None]
    title: str = ""


KINDS: dict[str, Kind] = {}
PERIODIC: dict[str, Periodic] = {}
# The modules that register kinds (imported by workflow.jobs.init_app).
KIND_MODULES = ["workflow.jobs.builtin", "workflow.documents.batch",
                "workflow.oversight.export_jobs", "workflow.registry.roster_job",
                "workflow.sectors.jobs", "workflow.cases.moving",
                "workflow.cards.views", "workflow.household_files.jobs"]


def job_kind(name: str, *, title: str, validate: Callable | None = None,
             max_attempts: int | None = None, timeout_seconds: float | None = None) -> Callable:
    """Register ``fn(ctx)`` as the job kind ``name`` (``title`` shown on the jobs page)."""
    def register(fn: Callable) -> Callable:
        KINDS[name] = Kind(name, title, fn, validate, max_attempts, timeout_seconds)
        return fn
    return register


def periodic(cron: str, *, name: str, title: str = "") -> Callable:
    """Register ``fn()`` to run on the cron schedule ``cron`` (UTC; five fields) in an
    app context, by one worker each time (Procrastinate's periodic defers on PostgreSQL;
    the local worker's clock on SQLite)."""
    def register(fn: Callable) -> Callable:
        PERIODIC[name] = Periodic(name, cron, fn, title)
        return fn
    return register


@dataclass
class Saved:
    name: str
    data: bytes
    mimetype: str
    role: str = "result"


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    message: str = ""
    files: list[Saved] = field(default_factory=list)


def kind_title(name: str) -> str:
    kind = KINDS.get(name)
    return kind.title if kind else name
