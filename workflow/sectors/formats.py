"""The sector data formats: one YAML per department roster (formats/*.yaml), checked
when loaded so a broken format stops the app at start-up, not an import at night.

A format names its department (a key of ``projects.models.DEPARTMENTS``), what the
roster means and which register fact it speaks to, and its columns: the Chinese header,
the record field it fills (``id_number``, ``name``, ``fact``, ``value``), its type
(``id_number``, ``text``, ``choice``, ``year``, ``date``) and, for a choice, the allowed
cell texts and the fact each stands for.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import yaml

FORMATS_DIR = os.path.join(os.path.dirname(__file__), "formats")
FIELDS = ("id_number", "name", "fact", "value")
TYPES = ("id_number", "text", "choice", "year", "date")


class FormatError(Exception):
    """A format file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    type: str
    required: bool
    meaning: str
    choices: dict[str, str]


@dataclass(frozen=True)
class Format:
    key: str
    department: str
    title: str
    speaks_to: str
    columns: tuple[Column, ...]

    @property
    def department_title(self) -> str:
        from workflow.projects.models import DEPARTMENTS

        return DEPARTMENTS[self.department]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def facts(self) -> set[str]:
        return {f for c in self.columns if c.field == "fact" for f in c.choices.values()}


def _column(name: str, raw) -> Column:
    if not isinstance(raw, dict):
        raise FormatError(f"{name}: 每一列须为映射（header, field, type …）")
    header, field, kind = raw.get("header"), raw.get("field"), raw.get("type")
    if not isinstance(header, str) or not header.strip():
        raise FormatError(f"{name}: 列缺少表头 header")
    if field not in FIELDS:
        raise FormatError(f"{name}: 列「{header}」的 field 须为 {'、'.join(FIELDS)}")
    if kind not in TYPES:
        raise FormatError(f"{name}: 列「{header}」的 type 须为 {'、'.join(TYPES)}")
    choices = raw.get("choices") or {}
    if kind == "choice" and (not isinstance(choices, dict) or not choices or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in choices.items())):
        raise FormatError(f"{name}: 选择列「{header}」须给出 choices（单元格文字: 事实）")
    if field == "fact" and kind != "choice":
        raise FormatError(f"{name}: 列「{header}」填写 fact，须为 choice 类型")
    return Column(header.strip(), field, kind, bool(raw.get("required")),
                  str(raw.get("meaning") or ""), dict(choices))


def load_format(path: str) -> Format:
    """One format file, validated (FormatError names the file and the problem)."""
    from workflow.projects.models import DEPARTMENTS

    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise FormatError(f"{name}: 无法读取（{exc}）") from exc
    if not isinstance(raw, dict):
        raise FormatError(f"{name}: 须为映射")
    for key in ("key", "department", "title", "speaks_to", "columns"):
        if not raw.get(key):
            raise FormatError(f"{name}: 缺少 {key}")
    if raw["key"] != name.removesuffix(".yaml"):
        raise FormatError(f"{name}: key 应与文件名相同")
    if raw["department"] not in DEPARTMENTS:
        raise FormatError(f"{name}: 部门 {raw['department']} 不在部门列表中")
    columns = tuple(_column(name, c) for c in raw["columns"])
    fields = [c.field for c in columns]
    for needed in ("id_number", "name", "fact"):
        if fields.count(needed) != 1:
            raise FormatError(f"{name}: 须有且只有一列填写 {needed}")
    if fields.count("value") > 1 or len({c.header for c in columns}) != len(columns):
        raise FormatError(f"{name}: 表头重复，或多列填写 value")
    return Format(raw["key"], raw["department"], str(raw["title"]), str(raw["speaks_to"]),
                  columns)


@cache
def formats() -> dict[str, Format]:
    """Every format, by key (loaded once per process)."""
    found = {}
    for entry in sorted(os.listdir(FORMATS_DIR)):
        if entry.endswith(".yaml"):
            one = load_format(os.path.join(FORMATS_DIR, entry))
            found[one.key] = one
    return found


def get(key: str) -> Format | None:
    return formats().get(key)
