"""The setting keys as data: keys.yaml read and checked once, families expanded.

A family such as ``notice_days.<procedure>.<state>`` becomes one concrete key per part
(per notice of a loaded definition, per procedure, or per listed part); ``spec(key)``
answers for a concrete key, ``all_specs()`` lists them in the file's order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app

KINDS = {"yuan", "days", "count", "decimal", "percent", "month_day", "choice", "choices"}
BASES = {"year", "effective"}
STRICTER = {"higher", "lower", "none"}
REQUIRED = ("title", "unit", "kind", "basis", "place", "stricter", "default")
PART = re.compile(r"<([a-z_]+)>")
# Labels of the parts that appear in titles ({grade}, {method}, ...).
PART_LABELS = {"method": {"repair": "修缮加固", "rebuild": "拆除重建", "new_build": "新建"},
               "what": {"households": "户数", "people": "人数"}}
KEYS_FILE = Path(__file__).with_name("keys.yaml")


class SpecError(ValueError):
    """keys.yaml does not describe its settings correctly."""


@dataclass(frozen=True)
class Spec:
    """One concrete setting key and how its values are checked and found."""

    key: str
    family: str
    title: str
    unit: str
    kind: str
    basis: str
    place: bool
    stricter: str
    minimum: Decimal | None
    maximum: Decimal | None
    choices: dict[str, str]
    default: dict[str, Any]
    parts: dict[str, str] = field(default_factory=dict)
    # For notice lengths: the definition's min_days (never below it).
    min_days: int | None = None

    @property
    def per_year(self) -> bool:
        return self.basis == "year"

    @property
    def floor(self) -> Decimal | None:
        """The lowest value allowed (the bound and the definition's minimum)."""
        if self.min_days is None:
            return self.minimum
        return max(self.minimum or Decimal(0), Decimal(self.min_days))


@lru_cache(maxsize=1)
def families() -> dict[str, dict[str, Any]]:
    """keys.yaml checked: every entry complete, kinds/bases/directions known."""
    data = yaml.safe_load(KEYS_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SpecError("keys.yaml: a mapping of keys expected")
    problems = []
    for name, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(f"{name}: a mapping expected")
            continue
        problems += [f"{name}: {item} missing" for item in REQUIRED if item not in entry]
        if entry.get("kind") not in KINDS:
            problems.append(f"{name}: kind {entry.get('kind')!r} unknown")
        if entry.get("basis") not in BASES:
            problems.append(f"{name}: basis {entry.get('basis')!r} unknown")
        if entry.get("stricter") not in STRICTER:
            problems.append(f"{name}: stricter {entry.get('stricter')!r} unknown")
        if entry.get("kind") in {"choice", "choices"} and not entry.get("choices"):
            problems.append(f"{name}: choices missing")
        if PART.search(name) and "parts" not in entry:
            problems.append(f"{name}: a family needs parts")
        if not isinstance(entry.get("default"), dict) or "config" not in entry["default"]:
            problems.append(f"{name}: default needs config")
    if problems:
        raise SpecError("keys.yaml: " + "; ".join(problems))
    return data


def _notice_parts() -> list[dict[str, Any]]:
    """One part per notice state of the loaded definitions, with its min_days."""
    parts = []
    for definition in current_app.extensions["workflow.catalog"].procedures.values():
        for body in definition.states.values():
            notice = body.get("notice")
            if notice:
                procedure, _, name = notice["setting"].partition(".")
                parts.append({"procedure": procedure, "state": name,
                              "_title": f"{definition.title}{notice['title']}",
                              "_min_days": int(notice["min_days"])})
    return parts


def _procedure_parts() -> list[dict[str, Any]]:
    return [{"procedure": key, "_title": d.title}
            for key, d in current_app.extensions["workflow.catalog"].procedures.items()]


def _expand(name: str, entry: dict[str, Any]) -> list[Spec]:
    parts = entry.get("parts") or [{}]
    if parts == "notices":
        parts = _notice_parts()
    elif parts == "procedures":
        parts = _procedure_parts()
    specs = []
    for part in parts:
        values = {k: str(v) for k, v in part.items() if not k.startswith("_")}
        key = PART.sub(lambda m, values=values: values[m.group(1)], name)
        labels = {k: PART_LABELS.get(k, {}).get(v, v) for k, v in values.items()}
        if "_title" in part:
            labels = dict.fromkeys(("notice", "procedure"), part["_title"]) | {
                k: v for k, v in labels.items() if k not in ("notice", "procedure")}
        specs.append(Spec(
            key=key, family=name, title=entry["title"].format(**labels), unit=entry["unit"],
            kind=entry["kind"], basis=entry["basis"], place=bool(entry["place"]),
            stricter=entry["stricter"],
            minimum=Decimal(str(entry["min"])) if "min" in entry else None,
            maximum=Decimal(str(entry["max"])) if "max" in entry else None,
            choices=dict(entry.get("choices") or {}), default=entry["default"],
            parts=values, min_days=part.get("_min_days")))
    return specs


def all_specs() -> dict[str, Spec]:
    """Every concrete key (the application's definitions decide the notice keys),
    computed once per application."""
    cached = current_app.extensions.get("workflow.settings.specs")
    if cached is None:
        cached = {}
        for name, entry in families().items():
            for one in _expand(name, entry):
                cached[one.key] = one
        current_app.extensions["workflow.settings.specs"] = cached
    return cached


def spec(key: str) -> Spec | None:
    """The concrete key's spec, or None for a key that does not exist."""
    return all_specs().get(key) if isinstance(key, str) else None
