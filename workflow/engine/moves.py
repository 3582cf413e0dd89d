"""Moving running cases from an earlier version of a procedure to the current one: the
state map an administrator writes next to the YAML, and what a move changes for a case.

A running case stays on the version it started with until it is moved (workflow/cases/
moving.py). It can move when its state exists in the current version, or when
``states/moves/<key>.yaml`` says where that state went::

    procedure: household_exit
    states:              # state of an earlier version: state of the current one
      household_consent: household_confirmation

The map is validated with the catalog (``flask procedures check``): the procedure must
exist and every target must be a state of it that is not final. Everything here is pure
(definitions in, sentences out); the database side lives in the cases area.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from marshmallow import Schema, ValidationError, fields

if TYPE_CHECKING:
    from workflow.engine.definitions import Definition

MOVES_FOLDER = "moves"  # under the states folder; not read as procedures (no recursion)


class MovesSchema(Schema):
    procedure = fields.String(required=True)
    states = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


def load_moves(states_dir: str | Path, procedures: dict[str, Definition],
               problems: list[str]) -> dict[str, dict[str, str]]:
    """Every state map under ``states_dir/moves``, checked against the procedures; each
    problem is appended to ``problems`` with the file's name."""
    maps: dict[str, dict[str, str]] = {}
    for path in sorted((Path(states_dir) / MOVES_FOLDER).glob("*.yaml")):
        where = f"{MOVES_FOLDER}/{path.name}"
        try:
            body = MovesSchema().load(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(f"{where}: YAML 无法解析: {exc}")
            continue
        except ValidationError as exc:
            problems.append(f"{where}: 格式错误 {exc.normalized_messages()}")
            continue
        definition = procedures.get(body["procedure"])
        if definition is None:
            problems.append(f"{where}: 没有名为 {body['procedure']} 的流程")
            continue
        if body["procedure"] in maps:
            problems.append(f"{where}: 流程 {body['procedure']} 的迁移文件重复")
            continue
        for old, new in body["states"].items():
            if new not in definition.states:
                problems.append(f"{where}: 「{old}」对应的 {new} 不是当前版本的状态")
            elif definition.is_final(new):
                problems.append(f"{where}: 「{old}」对应的「{definition.state_title(new)}」"
                                "是办结状态，进行中的案件不能迁入")
        maps[body["procedure"]] = dict(body["states"])
    return maps


def target_state(state: str, new: Definition, state_map: dict[str, str]) -> str | None:
    """Where a case in ``state`` goes in ``new``: the map's word first, else the same
    state if ``new`` has it, else nowhere."""
    if state in state_map:
        return state_map[state]
    return state if state in new.states else None


def refusal(old: Definition, state: str, new: Definition,
            state_map: dict[str, str]) -> str | None:
    """Why cases in ``state`` of ``old`` cannot move to ``new`` (Chinese), or None."""
    target = target_state(state, new, state_map)
    if target is None:
        return (f"新版本中没有「{old.state_title(state)}」这一环节，迁移文件"
                f"（states/{MOVES_FOLDER}/{new.key}.yaml）也未指明去向")
    if new.is_final(target):
        return f"对应的「{new.state_title(target)}」在新版本中是办结状态"
    return None


def cosign_changed(old: Definition, state: str, new: Definition, target: str) -> list[str]:
    """Actions open in ``state`` whose co-signing roles differ in ``new`` (a co-signature
    half collected under the old rule cannot be carried over)."""
    return [a.name for a in old.actions_in(state) if a.cosign
            and (new.actions.get(a.name) is None or target not in new.actions[a.name].source
                 or new.actions[a.name].cosign != a.cosign)]


def steps_ahead(definition: Definition, state: str) -> dict[str, str]:
    """The forward steps still ahead of a case in ``state`` (name -> title), returns and
    records left out: what the case will still go through on its way to the end."""
    seen_states, ahead = {state}, {}
    queue = deque([state])
    while queue:
        for action in definition.actions_in(queue.popleft()):
            if action.kind != "forward":
                continue
            ahead[action.name] = action.title
            if action.to and action.to not in seen_states:
                seen_states.add(action.to)
                queue.append(action.to)
    return ahead


def changes(old: Definition, state: str, new: Definition, target: str) -> list[str]:
    """What moving from ``state`` of ``old`` to ``target`` of ``new`` changes for the
    case, as sentences an administrator reads (empty: nothing but the version)."""
    said: list[str] = []
    if target != state:
        said.append(f"环节「{old.state_title(state)}」改为「{new.state_title(target)}」")
    before, after = steps_ahead(old, state), steps_ahead(new, target)
    added = [title for name, title in after.items() if name not in before]
    dropped = [title for name, title in before.items() if name not in after]
    if added:
        said.append("前方新增步骤：" + "、".join(dict.fromkeys(added)))
    if dropped:
        said.append("前方不再有的步骤：" + "、".join(dict.fromkeys(dropped)))
    for name in sorted(_states_ahead(new, target)):
        was, now = old.states.get(name, {}).get("notice"), new.states[name].get("notice")
        if was != now and (was or now):
            said.append(f"「{new.state_title(name)}」{_notice_text(was)} → {_notice_text(now)}"
                        + ("（已开始的公示按原期限结束）" if name == target == state else ""))
    if _limits_of(old) != _limits_of(new):
        said.append("办理时限有变化（自迁移起按新版本计算）")
    return said


def _states_ahead(definition: Definition, state: str) -> set[str]:
    names = {state}
    for name in steps_ahead(definition, state):
        to = definition.actions[name].to
        if to:
            names.add(to)
    return names


def _notice_text(notice: dict[str, Any] | None) -> str:
    if not notice:
        return "无公示"
    return f"公示至少 {notice['min_days']} 天"


def _limits_of(definition: Definition) -> list[Any]:
    return sorted(repr(sorted(limit.items())) for limit in definition.time_limits)
