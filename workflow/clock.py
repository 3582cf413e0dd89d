"""The one clock every duration in the engine reads, so tests can travel in time.

Times are stored as naive UTC; calendar dates (notice periods, income years) are taken
in China Standard Time, where the officials live.
"""
from __future__ import annotations

import datetime as dt

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")
_offset = dt.timedelta(0)


def utcnow() -> dt.datetime:
    """Current time, naive UTC, shifted by any test travel."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + _offset


def today() -> dt.date:
    """Today's date in China Standard Time."""
    return to_local(utcnow()).date()


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored naive-UTC time as China Standard Time."""
    return moment.replace(tzinfo=dt.UTC).astimezone(CHINA)


def day_start(day: dt.date) -> dt.datetime:
    """Naive-UTC moment at which ``day`` begins in China Standard Time."""
    return dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)


def travel(delta: dt.timedelta) -> None:
    """Move the clock forward (or back) by ``delta``; tests only."""
    global _offset
    _offset += delta


def reset() -> None:
    """Return to real time."""
    global _offset
    _offset = dt.timedelta(0)
