"""The policy settings a step applies (the poverty line, a threshold, a ceiling, a notice
length): read through ``workflow.settings.lookup`` at the case's place, remembered on the
guard's context, recorded in the step's event and read back from the trail.

A case keeps the values it was judged by: the event's data holds each applied value with
its source under ``SETTINGS_KEY`` (hashed and sealed with the event, so an edited value
fails ``audit verify``), and the case page and the sheet print the value from there, not
from today's settings.
"""
from __future__ import annotations

from typing import Any

from workflow.audit.chain import SETTINGS_KEY
from workflow.audit.models import AuditEvent


class SettingsReader:
    """Mixin for a guard's context: ``setting`` reads a value at ``place`` and keeps it.

    The class using it provides ``place`` (a materialized path) and ``applied`` (a dict)."""

    place: str | None
    applied: dict

    def setting(self, key: str, *, year: int | None = None, on=None):
        """The ``Applied`` value of ``key`` for the case's place (None: not set anywhere),
        remembered so that the step's event records it."""
        from workflow.settings import lookup

        found = lookup(key, place=self.place, year=year, on=on)
        if found is not None:
            self.applied[(found.key, found.year)] = found
        return found

    def setting_value(self, key: str, *, year: int | None = None, on=None, default=None):
        """The value alone (``default`` when unset)."""
        found = self.setting(key, year=year, on=on)
        return default if found is None else found.value

    def missing(self, key: str, title: str, year: int | None = None) -> str:
        """The refusal for an unset value, naming who can set it for this place."""
        return missing_message(key, title, self.place, year)

    def records(self) -> list[dict[str, Any]]:
        """What the step's event stores: every value read, in the order first read."""
        return [a.as_record() for a in self.applied.values()]


def missing_message(key: str, title: str, place, year: int | None = None) -> str:
    """「未设置 2026 年的贫困线，请联系岫岩满族自治县系统管理员 陈管理员（admin）设置」."""
    from workflow.settings import who_can_set

    when = f" {year} 年的" if year is not None else ""
    return f"未设置{when}{title}，请联系{who_can_set(key, place)}设置"


def event_data(values: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """A step's event data: its form values and, when any was read, the applied settings."""
    return {**values, SETTINGS_KEY: records} if records else values


def recorded(events: list[AuditEvent], key: str, year: int | None = None) -> dict | None:
    """The record of ``key`` (and ``year``) as the latest event that applied it stored."""
    for event in reversed(events):
        for item in (event.data or {}).get(SETTINGS_KEY, []):
            if item.get("key") == key and (year is None or item.get("year") == year):
                return item
    return None


def number_text(value: Any) -> str:
    """7600 → 「7,600」, 7600.5 → 「7,600.50」; other values as they are."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"


def source_text(record: dict) -> str:
    """Where a value came from: 「岫岩满族自治县设置，岫政办发〔2026〕3号」 or 「系统默认值」."""
    if not record.get("place_name") and not record.get("document"):
        return record.get("source") or "系统默认值"
    parts = [f"{record['place_name']}设置" if record.get("place_name") else "全系统设置"]
    if record.get("document"):
        parts.append(record["document"])
    return "，".join(parts)


def value_text(record: dict) -> str:
    """A recorded value as read: a number with its unit (「元」 for 「元/人·年」, 「天」…),
    a choice by its label, a list of choices joined."""
    from workflow.settings.keys import spec

    found = spec(record.get("key", ""))
    value = record.get("value")
    labels = found.choices if found is not None else {}
    if isinstance(value, list):
        return "、".join(labels.get(str(v), str(v)) for v in value) or "（无）"
    if str(value) in labels:
        return labels[str(value)]
    unit = found.unit.split("/")[0].split("（")[0] if found is not None else ""
    return f"{number_text(value)} {unit}".strip()


def describe(record: dict) -> str:
    """「2026 年贫困线 7,600 元（岫岩满族自治县设置，岫政办发〔2026〕3号）」."""
    year = f"{record['year']} 年" if record.get("year") is not None else ""
    return (f"{year}{record.get('title', record.get('key'))} {value_text(record)}"
            f"（{source_text(record)}）")


def reader(place=None):
    """``read(key, year=..., on=...)`` at ``place`` without a case (lists, boards): the
    same signature as ``SettingsReader.setting``, nothing remembered."""
    def read(key: str, *, year: int | None = None, on=None):
        from workflow.settings import lookup

        return lookup(key, place=place, year=year, on=on)
    return read
