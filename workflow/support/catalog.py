"""The national lists of the support area (catalog.yaml), checked once on load.

Causes, labour capacity, schooling, the ten special actions, measure kinds (each of one
action), county departments (and the actions they lead) and the coverage rules' data.
A broken file stops the application at start rather than showing a half list.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import yaml

PATH = os.path.join(os.path.dirname(__file__), "catalog.yaml")


@dataclass(frozen=True)
class Catalog:
    """The lists, keyed by stable identifiers, each value the Chinese title."""

    causes: dict[str, str]
    labour: dict[str, str]
    capable: frozenset[str]         # labour keys counting as labour capacity
    schooling: dict[str, str]
    pupils: frozenset[str]          # schooling keys funded as pupils
    actions: dict[str, str]
    kinds: dict[str, str]
    kind_action: dict[str, str]
    departments: dict[str, str]
    department_actions: dict[str, tuple[str, ...]]
    rules: dict[str, dict]

    def kinds_of(self, action: str) -> dict[str, str]:
        """The kinds of measure belonging to ``action``."""
        return {k: t for k, t in self.kinds.items() if self.kind_action[k] == action}


def _titles(body: dict, name: str) -> dict[str, str]:
    section = body.get(name)
    if not isinstance(section, dict) or not section:
        raise ValueError(f"{PATH}: '{name}' must be a non-empty mapping")
    out = {}
    for key, value in section.items():
        title = value.get("title") if isinstance(value, dict) else value
        if not isinstance(key, str) or not isinstance(title, str) or not title:
            raise ValueError(f"{PATH}: {name}.{key} needs a title")
        out[key] = title
    return out


def parse(body: dict) -> Catalog:
    """Check the YAML's content; ValueError naming the first fault."""
    actions = _titles(body, "actions")
    kinds = _titles(body, "kinds")
    kind_action = {k: v.get("action") for k, v in body["kinds"].items()}
    for kind, action in kind_action.items():
        if action not in actions:
            raise ValueError(f"{PATH}: kind {kind} names unknown action {action!r}")
    departments = _titles(body, "departments")
    department_actions = {k: tuple(v.get("actions") or ()) for k, v in
                          body["departments"].items()}
    for dept, acts in department_actions.items():
        if not acts or any(a not in actions for a in acts):
            raise ValueError(f"{PATH}: department {dept} must lead known actions")
    rules = body.get("rules") or {}
    for name, rule in rules.items():
        if rule.get("action") not in actions or not rule.get("title"):
            raise ValueError(f"{PATH}: rule {name} needs a title and a known action")
        cover = rule.get("covered_by") or {}
        if not (set(cover.get("kinds") or ()) <= set(kinds)
                and set(cover.get("actions") or ()) <= set(actions)) or not cover:
            raise ValueError(f"{PATH}: rule {name} is covered by unknown kinds or actions")
    labour = body.get("labour") or {}
    schooling = body.get("schooling") or {}
    return Catalog(
        causes=_titles(body, "causes"), labour=_titles(body, "labour"),
        capable=frozenset(k for k, v in labour.items() if v.get("capable")),
        schooling=_titles(body, "schooling"),
        pupils=frozenset(k for k, v in schooling.items() if v.get("pupil")),
        actions=actions, kinds=kinds, kind_action=kind_action, departments=departments,
        department_actions=department_actions, rules=rules)


@cache
def catalog() -> Catalog:
    """The catalog, read once per process."""
    with open(PATH, encoding="utf-8") as f:
        return parse(yaml.safe_load(f))
