"""Rows that an effect writes inside ``perform`` (the subsidy payment of a renovation),
checked against the event data of the step that wrote them.

Such a row and its trail event are written in one transaction from the same form values,
so the event (sealed and checkpointed with the case's chain) is the record of what the
row must hold. A direct UPDATE of the row's amount or account, a deleted row or one
inserted behind the application is then reported by ``audit verify``. The area that owns
the effect registers how to read its rows (``register``); this module knows no area.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecordCheck:
    """How to compare the rows of one effect with its steps' event data.

    ``load(case_ids)`` gives, per case, its rows in the order written, each as a dict of
    comparable values keyed like ``labels``; ``expected(event_data)`` gives the same dict
    from an event's form values. ``labels`` names each value in the reason (金额…)."""

    effect: str
    title: str
    labels: dict[str, str]
    load: Callable[[list[int]], dict[int, list[dict[str, Any]]]]
    expected: Callable[[dict], dict[str, Any]]


CHECKS: dict[str, RecordCheck] = {}


def register(check: RecordCheck) -> RecordCheck:
    """Make ``audit verify`` compare the rows of ``check.effect`` with their events."""
    CHECKS[check.effect] = check
    return check


def load(case_ids: list[int]) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """The stored rows of every registered effect for a batch of cases (one query each)."""
    return {name: check.load(case_ids) for name, check in CHECKS.items()}


def problems(events: list[tuple[int, list[str], dict]],
             stored: dict[str, list[dict[str, Any]]]) -> list[tuple[int | None, str]]:
    """(seq, reason) for each row of one case that differs from the event that wrote it.

    ``events``: (seq, the action's effects, the event's data) of the case's steps in
    order; ``stored``: per effect, the case's rows in the order written."""
    out: list[tuple[int | None, str]] = []
    for name, check in CHECKS.items():
        wrote = [(seq, data) for seq, effects, data in events if name in effects]
        rows = stored.get(name, [])
        for (seq, data), row in zip(wrote, rows, strict=False):
            expected = check.expected(data or {})
            changed = [label for key, label in check.labels.items()
                       if row.get(key) != expected.get(key)]
            if changed:
                out.append((seq, f"{check.title}与留痕记录不符（{'、'.join(changed)}）："
                                 "记录被直接修改"))
        for seq, _ in wrote[len(rows):]:
            out.append((seq, f"{check.title}缺失：记录被删除"))
        if len(rows) > len(wrote):
            out.append((None, f"{check.title}有 {len(rows) - len(wrote)} 条没有留痕记录："
                              "未经系统办理"))
    return out
