"""Load, check and version procedure definitions, and build one shared machine per version.

A definition's version is the hash of its content together with the forms it uses, and
the whole snapshot is stored with the first case that uses it, so a running case keeps
its path however the YAML files change later.
"""
from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError
from transitions import Machine

from workflow.engine import registry
from workflow.engine.errors import DefinitionError
from workflow.engine.forms import FormDef, build_form
from workflow.engine.moves import load_moves
from workflow.engine.schema import FormSchema, ProcedureSchema

ASSIGNABLE_ROLES = {
    "village_clerk", "work_team", "helper", "township_reviewer", "county_poverty_office",
    "county_housing_bureau", "county_sector", "county_leading_group", "city_poverty_office",
}


@dataclass
class Action:
    name: str
    title: str
    source: list[str]
    to: str | None
    kind: str
    level: str
    roles: list[str]
    cosign: list[str]
    form: FormDef | None
    guards: list[str]
    effects: list[str]
    opinion_required: bool
    sheet_row: str | None
    evidence: list[str] = field(default_factory=list)
    offline: bool = False  # may be captured in 外业采集 with no network

    @property
    def eligible_roles(self) -> list[str]:
        return self.cosign or self.roles

    @property
    def decision(self) -> str:
        return "disagree" if self.kind == "reject" else "agree"


@dataclass
class Definition:
    key: str
    title: str
    version: str
    body: dict[str, Any]
    states: dict[str, dict[str, Any]]
    actions: dict[str, Action]
    initial: str
    forms: dict[str, FormDef] = field(default_factory=dict)

    @property
    def evidence_kinds(self) -> dict[str, str]:
        """Kinds of evidence this procedure collects, key -> title."""
        return self.body["procedure"].get("evidence") or {}

    @property
    def offline_photos(self) -> dict[str, str]:
        """Evidence kinds 外业采集 may photograph with no network, key -> title."""
        kinds = self.evidence_kinds
        return {k: kinds[k] for k in self.body["procedure"].get("offline_photos") or []
                if k in kinds}

    @property
    def deadline(self) -> dict[str, Any] | None:
        return self.body["procedure"].get("deadline")

    @property
    def time_limits(self) -> list[dict[str, Any]]:
        """The time limits (办理时限) declared (older snapshots have none)."""
        return self.body["procedure"].get("time_limits") or []

    @property
    def start_guards(self) -> list[str]:
        """Subject-only guards a new case must pass (older snapshots have none)."""
        return self.body["procedure"].get("start_guards") or []

    def state_title(self, state: str) -> str:
        return self.states.get(state, {}).get("title", state)

    def is_final(self, state: str) -> bool:
        return bool(self.states.get(state, {}).get("final"))

    def actions_in(self, state: str) -> list[Action]:
        return [a for a in self.actions.values() if state in a.source]

    @cached_property
    def machine(self) -> Machine:
        """One machine shared by every case on this version; cases are passed in per call."""
        machine = Machine(model=None, states=list(self.states), initial=self.initial,
                          auto_transitions=False, ignore_invalid_triggers=False)
        for action in self.actions.values():
            machine.add_transition(action.name, action.source, action.to or "=")
        return machine

    def describe(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "version": self.version,
            "initial": self.initial,
            "states": [{"name": n, "title": s["title"], "final": s.get("final", False),
                        "notice": s.get("notice")} for n, s in self.states.items()],
            "actions": [{"name": a.name, "title": a.title, "from": a.source, "to": a.to,
                         "kind": a.kind, "level": a.level, "roles": a.roles,
                         "cosign": a.cosign, "form": a.form.key if a.form else None,
                         "evidence": a.evidence}
                        for a in self.actions.values()],
            "evidence": self.evidence_kinds, "deadline": self.deadline,
            "time_limits": self.time_limits,
        }


def _content_hash(body: dict) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build(body: dict[str, Any], version: str | None = None) -> Definition:
    """A Definition from a checked snapshot ``{"procedure": ..., "forms": {...}}``."""
    proc = body["procedure"]
    forms = {k: build_form(k, f) for k, f in body["forms"].items()}
    actions = {}
    for a in proc["actions"]:
        opinion_required = a["opinion_required"]
        if opinion_required is None:
            opinion_required = a["kind"] == "reject"
        actions[a["name"]] = Action(
            name=a["name"], title=a["title"], source=a["source"], to=a["to"], kind=a["kind"],
            level=a["level"], roles=a["roles"], cosign=a["cosign"],
            form=forms.get(a["form"]) if a["form"] else None, guards=a["guards"],
            effects=a["effects"], opinion_required=opinion_required, sheet_row=a["sheet_row"],
            evidence=a.get("evidence", []), offline=a.get("offline", False))
    return Definition(key=proc["key"], title=proc["title"], version=version or _content_hash(body),
                      body=body, states=proc["states"], actions=actions,
                      initial=proc["initial"], forms=forms)


def check_graph(proc: dict[str, Any], forms: dict[str, dict]) -> list[str]:
    """Reasons this procedure must not run (empty when it is sound); ``forms`` are the
    checked form bodies by key."""
    problems: list[str] = []
    states = proc["states"]
    if proc["initial"] not in states:
        problems.append(f"初始状态 {proc['initial']} 不存在 (initial state is not defined)")
    for role in proc["start_roles"]:
        # An auditor may open a case (hand a confirmed finding over for rectification,
        # 问题排查整改) but never signs one of its steps.
        if role not in ASSIGNABLE_ROLES | {"auditor"}:
            problems.append(f"start_roles: 未知角色 {role} (unknown role)")
    for g in proc.get("start_guards", []):
        if g not in registry.GUARDS:
            problems.append(f"start_guards: 未知条件 {g} (unknown guard)")
        elif g not in registry.SUBJECT_GUARDS:
            problems.append(f"start_guards: 条件 {g} 不只依据办理对象，不能在发起时检查 "
                            "(start guard is not subject_only)")
    seen: set[str] = set()
    exits: dict[str, int] = {s: 0 for s in states}
    edges: dict[str, set[str]] = {s: set() for s in states}
    for a in proc["actions"]:
        where = f"动作 {a['name']}"
        if a["name"] in seen:
            problems.append(f"{where}: 动作名重复 (duplicate action name)")
        seen.add(a["name"])
        for role in a["roles"] + a["cosign"]:
            if role not in ASSIGNABLE_ROLES:
                problems.append(f"{where}: 未知角色 {role} (unknown role)")
        for g in a["guards"]:
            if g not in registry.GUARDS:
                problems.append(f"{where}: 未知条件 {g} (unknown guard)")
        for e in a["effects"]:
            if e not in registry.EFFECTS:
                problems.append(f"{where}: 未知处理 {e} (unknown effect)")
        if a.get("offline") and not a["form"]:
            problems.append(f"{where}: 离线填写的操作须有表单 (offline needs a form)")
        for kind in a.get("evidence", []):
            if kind not in proc.get("evidence", {}):
                problems.append(f"{where}: 未声明的证明材料种类 {kind} (unknown evidence kind)")
        if a["form"] and a["form"] not in forms:
            problems.append(f"{where}: 未知表单 {a['form']} (unknown form)")
        elif a["form"] and a["kind"] == "forward":
            problems += [f"{where}: {p}" for p in unmarked_check_items(forms[a["form"]],
                                                                     a["guards"])]
        for s in a["source"]:
            if s not in states:
                problems.append(f"{where}: 起始状态 {s} 不存在 (unknown source state)")
        if a["to"] and a["to"] not in states:
            if a["kind"] == "reject":
                problems.append(f"{where}: 退回路径指向不存在的状态 {a['to']} "
                                "(return path names no state)")
            else:
                problems.append(f"{where}: 目标状态 {a['to']} 不存在 (unknown target state)")
        if a["kind"] != "record" and a["to"] in states:
            for s in a["source"]:
                if s in states and s != a["to"]:
                    exits[s] += 1
                    edges[s].add(a["to"])
    for name, state in states.items():
        if state["final"] and exits[name]:
            problems.append(f"状态 {name}: 终止状态不应有出路 (final state has actions)")
        if not state["final"] and not exits[name]:
            problems.append(f"状态 {name}: 非终止状态没有出路 (non-final state has no way out)")
    if proc["initial"] in states:
        reached, queue = {proc["initial"]}, deque([proc["initial"]])
        while queue:
            for nxt in edges[queue.popleft()]:
                if nxt not in reached:
                    reached.add(nxt)
                    queue.append(nxt)
        for name in states:
            if name not in reached:
                problems.append(f"状态 {name}: 从初始状态无法到达 (unreachable state)")
    problems += time_limit_problems(proc)
    for kind in proc.get("offline_photos") or []:
        if kind not in proc.get("evidence", {}):
            problems.append(f"offline_photos: 未声明的证明材料种类 {kind} (unknown evidence kind)")
    if proc.get("offline_start") and not any(
            a["offline"] and a["kind"] == "forward" and proc["initial"] in a["source"]
            for a in proc["actions"]):
        problems.append("offline_start: 初始状态没有可离线填写的前进步骤 "
                        "(no offline forward action in the initial state)")
    for state in (proc.get("deadline") or {}).get("met_in", []):
        if state not in states:
            problems.append(f"deadline.met_in: 状态 {state} 不存在 (unknown state)")
    if not any(s["final"] for s in states.values()):
        problems.append("没有终止状态 (no final state)")
    return problems


def time_limit_problems(proc: dict[str, Any]) -> list[str]:
    """Each time limit names states that exist, once, and a span does not end where it
    begins."""
    problems, names = [], set()
    states = proc["states"]
    for i, limit in enumerate(proc.get("time_limits") or []):
        where = f"time_limits[{i}] {limit['name']}"
        if limit["name"] in names:
            problems.append(f"{where}: 时限名重复 (duplicate time limit name)")
        names.add(limit["name"])
        keys = [("state", limit["state"])] if limit["state"] else \
            [("from", limit["source"])] + [("to", s) for s in limit["to"]]
        for key, state in keys:
            if state not in states:
                problems.append(f"{where}.{key}: 状态 {state} 不存在 (unknown state)")
        if limit["state"] and limit["state"] in states and states[limit["state"]]["final"]:
            problems.append(f"{where}.state: 终止状态 {limit['state']} 不能设时限 "
                            "(final state has no time limit)")
        if limit["source"] and limit["source"] in (limit["to"] or []):
            problems.append(f"{where}.to: 时段的起止状态相同 (span ends where it begins)")
    return problems


def unmarked_check_items(form: dict[str, Any], guards: list[str]) -> list[str]:
    """Booleans of a form that a forward action uses must each say what they are: a check
    item that must hold (``must_be``), a criterion one of the action's guards judges
    (``checked_by``), or ``informational``. Neither a reader nor this check can tell a
    check item from a plain fact by its name, so every such field is a decision."""
    problems = []
    for f in form["fields"]:
        if f["type"] != "boolean":
            continue
        where = f"表单 {form['key']} 的是否项「{f['label']}」({f['name']})"
        if f.get("checked_by") and f["checked_by"] not in guards:
            problems.append(f"{where} 由条件 {f['checked_by']} 检查，但本动作没有该条件 "
                            "(checked_by names a guard the action does not run)")
        elif f.get("must_be") is None and not f.get("checked_by") \
                and not f.get("informational"):
            problems.append(f"{where} 未标注 must_be（须为“是”方可通过）、checked_by 或 "
                            "informational (boolean check item not required)")
    return problems


def date_reference_problems(forms: dict[str, dict]) -> list[str]:
    """A ``not_before: <form>.<field>`` must name a date field of a known form."""
    problems = []
    for form in forms.values():
        for f in form["fields"]:
            for ref in f.get("not_before", []):
                if "." not in ref:
                    continue
                other, name = ref.split(".")
                target = next((o for o in forms.get(other, {}).get("fields", [])
                               if o["name"] == name), None)
                if target is None or target["type"] != "date":
                    problems.append(f"{form['file']}: 字段 {f['name']} 的 not_before {ref} "
                                    "不是已知表单的日期字段 (unknown date reference)")
    return problems


# libyaml's loader when PyYAML was built with it: the same documents, about 8x faster
# (every app start, test and batch worker reads all definitions).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DefinitionError([f"{path.name}: YAML 无法解析: {exc}"]) from exc


def _schema_errors(path: Path, exc: ValidationError) -> list[str]:
    return [f"{path.name}: 格式错误 {json.dumps(exc.normalized_messages(), ensure_ascii=False)}"]


@dataclass
class Catalog:
    """Every current definition and form, checked."""

    procedures: dict[str, Definition]
    forms: dict[str, FormDef]
    # Where running cases of earlier versions go (engine/moves.py): key -> old -> new.
    moves: dict[str, dict[str, str]] = field(default_factory=dict)


def _load_file(path: Path, schema, problems: list[str]) -> dict | None:
    """The file's body checked against ``schema``, or None with its problems noted."""
    try:
        return schema.load(_read_yaml(path) or {})
    except DefinitionError as exc:
        problems += exc.problems
    except ValidationError as exc:
        problems += _schema_errors(path, exc)
    return None


def load_catalog(states_dir: str | Path, forms_dir: str | Path) -> Catalog:
    """Read and check every file; raise DefinitionError listing every problem found.
    The areas' guards, effects and subjects must be registered first (``create_app``)."""
    problems: list[str] = []
    form_bodies: dict[str, dict] = {}
    form_files: dict[str, str] = {}
    for path in sorted(Path(forms_dir).glob("*.yaml")):
        body = _load_file(path, FormSchema(), problems)
        if body is None:
            continue
        names = [f["name"] for f in body["fields"]]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            problems.append(f"{path.name}: 字段名重复 {sorted(dupes)} (duplicate field)")
        if body["key"] in form_bodies:
            problems.append(f"{path.name}: 表单 {body['key']} 重复定义 (duplicate form key)")
        form_bodies[body["key"]] = {"title": body["title"], "fields": body["fields"]}
        form_files[body["key"]] = path.name
    problems += date_reference_problems(
        {k: {**b, "key": k, "file": form_files[k]} for k, b in form_bodies.items()})
    procedures: dict[str, Definition] = {}
    for path in sorted(Path(states_dir).glob("*.yaml")):
        proc = _load_file(path, ProcedureSchema(), problems)
        if proc is None:
            continue
        graph = check_graph(proc, {k: {**b, "key": k} for k, b in form_bodies.items()})
        if proc["key"] in procedures:
            graph.append(f"流程 {proc['key']} 重复定义 (duplicate procedure key)")
        if graph:
            problems += [f"{path.name}: {p}" for p in graph]
            continue
        used = sorted({a["form"] for a in proc["actions"] if a["form"]})
        procedures[proc["key"]] = build(
            {"procedure": proc, "forms": {k: form_bodies[k] for k in used}})
    state_maps = load_moves(states_dir, procedures, problems)
    if problems:
        raise DefinitionError(problems)
    forms = {k: build_form(k, b) for k, b in form_bodies.items()}
    return Catalog(procedures=procedures, forms=forms, moves=state_maps)
