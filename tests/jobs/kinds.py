"""Job kinds used only by the tests (registered on import, in this process only)."""
from __future__ import annotations

import threading

from workflow.extensions import db
from workflow.jobs.registry import JobError, job_kind
from workflow.registry.models import Household

# Set by a test to hold ``steps`` between its chunks until released.
GATE = threading.Event()
RAN: list[str] = []


@job_kind("test_steps", title="测试任务")
def steps(ctx) -> None:
    """Counts to params['steps'] in chunks, renames a household (a write of its own) and
    keeps a text file; waits at GATE after the first chunk when params['hold']."""
    RAN.append(ctx.job_id)
    total = int(ctx.params.get("steps", 3))
    for n in range(total):
        ctx.check_cancelled()
        ctx.progress(n, total, f"第 {n + 1} 步")
        if ctx.params.get("hold") and n == 0:
            assert GATE.wait(30)
    if ctx.params.get("household_id"):
        db.session.get(Household, ctx.params["household_id"]).head_name = "任务改名"
    ctx.message = "完成"
    ctx.save_file("结果.txt", f"{total} 步".encode(), "text/plain")


@job_kind("test_broken", title="总是出错的测试任务", max_attempts=2)
def broken(ctx) -> None:
    RAN.append(ctx.job_id)
    raise RuntimeError("boom")


@job_kind("test_refused", title="输入有误的测试任务")
def refused(ctx) -> None:
    RAN.append(ctx.job_id)
    raise JobError("第 3 行：身份证号校验位不对")


@job_kind("test_slow", title="超时的测试任务", max_attempts=2, timeout_seconds=0.3)
def slow(ctx) -> None:
    """Reports progress every 0.1 s for 3 s: past its 0.3 s limit on every attempt."""
    RAN.append(ctx.job_id)
    for n in range(30):
        ctx.progress(n, 30)
        threading.Event().wait(0.1)
