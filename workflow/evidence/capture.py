"""A photo's capture facts as a phone sends them (外业采集): when it was taken and, if the
helper allowed it, where. Checked like any field: a Chinese message naming it."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from workflow import clock
from workflow.engine.errors import Invalid

LABELS = {"captured_at": "拍摄时间", "position": "拍摄位置"}
CLOCK_SKEW = dt.timedelta(minutes=10)  # a phone's clock may run a little ahead
OLDEST = dt.timedelta(days=400)


@dataclass(frozen=True)
class Capture:
    """When (naive UTC) and where (degrees, WGS 84 as the phone reports it) a photo was
    taken; either may be unknown. Degrees are rounded to 6 places when read."""

    at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None

    def as_data(self) -> dict[str, Any]:
        """The facts for the trail event's data (hash-chained); empty when unknown."""
        data: dict[str, Any] = {}
        if self.at is not None:
            data["captured_at"] = self.at.isoformat(timespec="seconds") + "Z"
        if self.latitude is not None:
            data["position"] = [self.latitude, self.longitude]
        return data


def _invalid(field: str, message: str) -> Invalid:
    return Invalid("照片的拍摄信息有误", {field: [message]})


def _moment(raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _invalid("captured_at", f"「{LABELS['captured_at']}」须为带时区的时间，"
                                      "如 2026-12-03T08:30:00Z")
    moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    now = clock.utcnow()
    if moment > now + CLOCK_SKEW:
        raise _invalid("captured_at", f"「{LABELS['captured_at']}」不能晚于现在，请检查手机时间")
    if moment < now - OLDEST:
        raise _invalid("captured_at", f"「{LABELS['captured_at']}」不能早于 {OLDEST.days} 天前")
    return moment


def _degrees(raw: str, limit: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        raise _invalid("position", f"「{LABELS['position']}」的经纬度不正确")
    return round(value, 6)  # about 0.1 m; the row and the trail keep the same figure


def read_capture(form: Any) -> Capture:
    """The capture facts of a posted form (``captured_at``, ``latitude``, ``longitude``,
    all optional; a position needs both numbers)."""
    at_text = (form.get("captured_at") or "").strip()
    lat, lon = (form.get("latitude") or "").strip(), (form.get("longitude") or "").strip()
    if len(at_text) > 40:
        raise _invalid("captured_at", f"「{LABELS['captured_at']}」过长")
    if bool(lat) != bool(lon):
        raise _invalid("position", f"「{LABELS['position']}」须同时有纬度和经度")
    return Capture(at=_moment(at_text) if at_text else None,
                   latitude=_degrees(lat, 90) if lat else None,
                   longitude=_degrees(lon, 180) if lon else None)
