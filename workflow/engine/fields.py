"""Strict, bounded input fields shared by every schema and parser.

Why: a value a database column cannot hold must be refused as bad input (422/404), not
reach the database and come back as a 500. PostgreSQL's ``integer`` ends at 2**31 - 1 and
refuses NUL in text; SQLite's integer ends at 2**63 - 1; ``Decimal("1e400").quantize``
raises. Lossy coercions (``1.5`` read as ``1``) are refused too: the caller meant
something else.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import fields, validate

from workflow.engine.errors import Invalid

MAX_ID = 2**31 - 1  # PostgreSQL integer, the narrowest id column on either database
MAX_DECIMAL = Decimal(10) ** 15  # above every amount and measure the forms hold
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


def parse_int(value: Any, low: int = 0, high: int = MAX_ID) -> int | None:
    """``value`` as an int in ``low..high`` when it is an int (not a bool) or a string of
    ASCII digits (forms, query strings, CSV cells); None otherwise (1.5, "1.5", "²", True)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _INTEGER.fullmatch(text):
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def parse_id(value: Any) -> int | None:
    """A record id (1..MAX_ID) from JSON, a form or a CSV cell; None when it is not one."""
    return parse_int(value, 1, MAX_ID)


def to_decimal(value: Any) -> Decimal | None:
    """A finite number below 10**15 from a string, int or Decimal (a float via its text),
    or None; bounded before any arithmetic, so quantize cannot raise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= MAX_DECIMAL:
        return None
    return number


def utc_iso(moment: dt.datetime | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with its zone (``...Z``)."""
    if moment is None:
        return None
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class StrictInteger(fields.Integer):
    """An integer that is one: refuses 1.5, 1980.9, true, "1.5" and objects instead of
    truncating them; a string of digits is read (browser forms send text). Always bounded
    (default ±MAX_ID; the bound is a Range validator, so the OpenAPI document shows it)."""

    def __init__(self, *, minimum: int = -MAX_ID, maximum: int = MAX_ID, **kwargs):
        super().__init__(strict=False, **kwargs)
        self.minimum, self.maximum = minimum, maximum
        self.validators.insert(0, validate.Range(minimum, maximum,
                                                 error=self.error_messages["invalid"]))

    def _validated(self, value: Any) -> int:
        number = parse_int(value, -(2**63), 2**63)
        if number is None:
            raise self.make_error("invalid", input=value)
        return number


class Id(StrictInteger):
    """A record id: 1..MAX_ID (beyond that no row can exist on either database)."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, maximum=MAX_ID, **kwargs)


class StrictString(fields.String):
    """Text only (no objects, lists or numbers), never with NUL (PostgreSQL refuses it)."""

    default_error_messages = {"nul": "不能含有空字符（\\x00）"}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if "\x00" in value:
            raise self.make_error("nul")
        return value


class BoundedDecimal(fields.Decimal):
    """A finite decimal below 10**15 in magnitude, from text or a number; never NaN,
    infinity or ``1e400`` (refused before quantize, which would raise)."""

    def __init__(self, places: int | None = 2, **kwargs):
        kwargs.setdefault("allow_nan", False)
        super().__init__(places, **kwargs)

    def _validated(self, value: Any) -> Decimal:
        if to_decimal(value) is None:
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class UtcDateTime(fields.DateTime):
    """A stored naive-UTC time written with its zone: ``2020-04-10T08:00:00Z``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "UTC 时间（ISO 8601，以 Z 结尾）；北京时间为其加 8 小时")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        return utc_iso(value)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def plain_text(field: str, label: str, raw: Any, *, limit: int, required: bool = False,
               hint: str = "") -> str:
    """One line or paragraph typed by an official (a name, a 文号, a reason), stripped;
    ``Invalid`` naming ``label`` when it is not text, holds control characters (NUL breaks
    PostgreSQL), is missing while ``required`` (with ``hint``, e.g. "（如 春节）") or is
    longer than ``limit`` characters."""
    def invalid(message: str) -> Invalid:
        return Invalid(message, {field: [message]})

    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise invalid(f"「{label}」须为文字")
    text = raw.strip()
    if _CONTROL.search(text):
        raise invalid(f"「{label}」不能含有控制字符")
    if required and not text:
        raise invalid(f"请填写「{label}」{hint}")
    if len(text) > limit:
        raise invalid(f"「{label}」最多 {limit} 个字")
    return text
