"""Cells of every exported spreadsheet (Excel and CSV), safe against formula injection.

A text that starts with ``= + - @``, a tab or a carriage return is run as a formula by
Excel and WPS when the file is opened (OWASP "CSV injection"): a household head named
``=HYPERLINK("http://x","y")`` becomes a live link. Every export writes its cells through
``cell``/``append_row``/``csv_bytes``: such a text gets a leading apostrophe, so the
spreadsheet shows it as text, and an Excel cell is written as a string (openpyxl would
otherwise store a text starting with "=" as a formula). Numbers stay numbers: a
negative amount in a numeric cell is not text and is left alone.

Imports undo our own escape with ``unescape`` (so an exported file imports back
unchanged) and refuse what is still formula-like in a text field (``formula_problem``).
This module is the lowest layer: it imports nothing of the application.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_MESSAGE = "不能以 = + - @ 开头"


def escape(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: an apostrophe before a formula-like
    start. Texts that already start with apostrophes before such a character get one
    more, so that ``unescape`` is the exact inverse for every text."""
    if text.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unescape(text: str) -> str:
    """Undo ``escape`` on a cell read back from a file (other texts are unchanged)."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


def formula_problem(text: str) -> str | None:
    """The message for a text field whose value a spreadsheet would run, else None."""
    return FORMULA_MESSAGE if text.startswith(FORMULA_STARTS) else None


def read_text(value: str) -> tuple[str, str | None]:
    """A text cell of an imported file: (its value, why it is refused or None). Our own
    escape is undone, so an exported file imports back unchanged; the same text without
    the apostrophe is refused, since a formula typed or pasted into a name is a mistake
    or an attack on whoever opens the next export."""
    if (restored := unescape(value)) != value:
        return restored, None
    return value, formula_problem(value)


def cell(value: Any) -> Any:
    """A value for a CSV row or an openpyxl row: texts escaped, everything else as is."""
    return escape(value) if isinstance(value, str) else value


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet (normal or write-only), texts escaped and every
    escaped text written as a string cell (data type "s"), never as a formula."""
    from openpyxl.cell.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and (safe := escape(value)) != value:
            item = WriteOnlyCell(sheet, value=safe)  # a Cell; append() places it
            item.data_type = "s"
            row.append(item)
        else:
            row.append(value)
    sheet.append(row)


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as a UTF-8 CSV file with a byte-order mark (Excel then reads Chinese), every
    text escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
