"""Form definitions (forms/*.yaml) turned into marshmallow validation with Chinese messages."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

FIELD_TYPES = ("string", "text", "integer", "decimal", "boolean", "choice", "date")
INPUT_TYPES = {"integer": "number", "decimal": "number", "date": "date", "string": "text"}
TYPE_MESSAGES = {
    "integer": "必须是整数",
    "decimal": "必须是数字",
    "boolean": "必须是“是”或“否”",
    "date": "必须是日期（年-月-日）",
    "string": "必须是文字",
    "text": "必须是文字",
    "choice": "必须从给定选项中选择",
}


@dataclass
class FieldDef:
    name: str
    label: str
    type: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    choices: dict[str, str] = field(default_factory=dict)
    help: str = ""
    choices_by: dict[str, Any] | None = None
    must_be: bool | None = None
    informational: bool = False
    checked_by: str | None = None
    allow_future: bool = False
    not_before: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The public description served by ``GET /api/v1/forms/<key>``."""
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type,
                               "required": self.required}
        if self.min is not None or self.max is not None:
            out["bounds"] = {"min": self.min, "max": self.max}
        if self.max_length:
            out["max_length"] = self.max_length
        if self.choices:
            out["choices"] = [{"value": k, "label": v} for k, v in self.choices.items()]
        if self.help:
            out["help"] = self.help
        if self.choices_by:
            out["choices_by"] = self.choices_by
        if self.must_be is not None:
            out["must_be"] = self.must_be
        if self.type == "date":
            out["allow_future"] = self.allow_future
            if self.not_before:
                out["not_before"] = self.not_before
        return out

    @property
    def input_type(self) -> str:
        """The HTML ``<input type>`` of a typed-in field (choices, yes/no and long text
        have their own elements)."""
        return INPUT_TYPES.get(self.type, "text")

    @property
    def inputmode(self) -> str | None:
        """The phone keyboard the field needs: digits for whole numbers, digits and a
        decimal point for amounts. A field that may be negative (农业经营净收入) gets
        none, because phones' decimal and numeric pads have no minus key; type=number
        then brings up the numbers-and-punctuation keyboard, which has one."""
        if self.type not in ("integer", "decimal") or self.min is None or self.min < 0:
            return None
        return "numeric" if self.type == "integer" else "decimal"

    def allowed_choices(self, values: dict[str, Any]) -> list[str] | None:
        """The choices open given the other values (None when they do not depend)."""
        if not self.choices_by:
            return None
        return self.choices_by["options"].get(values.get(self.choices_by["field"]), [])

    def marshmallow_field(self) -> fields.Field:
        label = f"「{self.label}」"
        messages = {
            "required": f"{label}为必填项",
            "null": f"{label}不能为空",
            "invalid": f"{label}{TYPE_MESSAGES[self.type]}",
        }
        validators: list = []
        if self.type in ("integer", "decimal"):
            low = -DEFAULT_LIMIT if self.min is None else self.min
            high = DEFAULT_LIMIT if self.max is None else self.max
            validators.append(validate.Range(
                min=low, max=high, error=f"{label}应在 {_fmt(low)} 至 {_fmt(high)} 之间"))
        kwargs = {"required": self.required, "error_messages": messages, "validate": validators}
        if self.type == "integer":
            return WholeNumber(**kwargs)
        if self.type == "decimal":
            messages["special"] = messages["invalid"]
            return fields.Decimal(places=2, allow_nan=False, **kwargs)
        if self.type == "boolean":
            return fields.Boolean(**kwargs)
        if self.type == "date":
            return fields.Date(**kwargs)
        length = self.max_length or (2000 if self.type == "text" else 200)
        validators.append(validate.Length(max=length, error=f"{label}不能超过 {length} 个字"))
        if self.type == "choice":
            validators.append(validate.OneOf(
                list(self.choices), error=f"{label}必须从给定选项中选择"))
        if self.required:
            validators.append(validate.Length(min=1, error=f"{label}为必填项"))
        return fields.String(**kwargs)


class WholeNumber(fields.Integer):
    """An integer that refuses 1.5 instead of truncating it to 1."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


# Fields without bounds still get these, so no value can overflow a column or a sum.
DEFAULT_LIMIT = 10**12


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class Rules:
    """What a form's rules are checked against when a step is performed: whether the
    action moves the case forward, today's date, and ``anchor(reference)`` giving the
    date a ``not_before`` reference stands for (with its title), or None when unknown."""

    forward: bool
    today: dt.date
    anchor: Callable[[str], tuple[dt.date | None, str]]


@dataclass
class FormDef:
    key: str
    title: str
    fields: list[FieldDef]

    def __post_init__(self) -> None:
        self._schema = Schema.from_dict(
            {f.name: f.marshmallow_field() for f in self.fields}, name=f"Form_{self.key}"
        )(unknown=EXCLUDE)

    def describe(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title,
                "fields": [f.describe() for f in self.fields]}

    def validate(self, payload: Any, rules: Rules | None = None
                 ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Return ``(values, errors)``; values are JSON-safe (decimals and dates as strings).

        With ``rules`` the fields' own conditions are checked too: check items that must
        be yes on a forward action, dates not in the future and not before their anchors.
        """
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            return {}, {"data": ["表单数据格式不正确"]}
        cleaned = {k: (None if v == "" else v) for k, v in payload.items()}
        for f in self.fields:
            # An empty optional field is simply absent.
            if cleaned.get(f.name, 0) is None and not f.required:
                cleaned.pop(f.name)
        try:
            loaded = self._schema.load(cleaned)
        except ValidationError as exc:
            return {}, {k: list(v) if isinstance(v, list) else [str(v)]
                        for k, v in exc.normalized_messages().items()}
        errors = self._dependent_choice_errors(loaded)
        if rules is not None:
            for name, messages in self._rule_errors(loaded, rules).items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            return {}, errors
        return {k: _json_safe(v) for k, v in loaded.items()}, {}

    def _dependent_choice_errors(self, loaded: dict[str, Any]) -> dict[str, list[str]]:
        by_name = {f.name: f for f in self.fields}
        errors = {}
        for f in self.fields:
            allowed = f.allowed_choices(loaded)
            if allowed is None or f.name not in loaded or loaded[f.name] in allowed:
                continue
            other = by_name[f.choices_by["field"]]
            basis = other.choices.get(loaded.get(other.name), loaded.get(other.name))
            offered = "、".join(f.choices[c] for c in allowed) or "无可选项"
            errors[f.name] = [f"「{f.label}」与「{other.label}」不符：{basis}只能选择{offered}"]
        return errors


    def _rule_errors(self, loaded: dict[str, Any], rules: Rules) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for f in self.fields:
            label, value = f"「{f.label}」", loaded.get(f.name)
            if f.must_be is not None and rules.forward and value is not f.must_be:
                wanted = "是" if f.must_be else "否"
                errors.setdefault(f.name, []).append(f"{label}须为“{wanted}”方可通过")
            if f.type != "date" or not isinstance(value, dt.date):
                continue
            if not f.allow_future and value > rules.today:
                errors.setdefault(f.name, []).append(
                    f"{label}不能晚于今天（{rules.today.isoformat()}）")
            for ref in f.not_before:
                if "." not in ref and ref != "case_created":  # a field of this same form
                    other = next(o for o in self.fields if o.name == ref)
                    anchor, title = loaded.get(ref), f"「{other.label}」"
                else:
                    anchor, title = rules.anchor(ref)
                if isinstance(anchor, dt.date) and value < anchor:
                    errors.setdefault(f.name, []).append(
                        f"{label}不能早于{title}（{anchor.isoformat()}）")
        return errors


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def build_form(key: str, body: dict) -> FormDef:
    """A FormDef from a validated YAML body."""
    return FormDef(key=key, title=body["title"],
                   fields=[FieldDef(**f) for f in body["fields"]])
