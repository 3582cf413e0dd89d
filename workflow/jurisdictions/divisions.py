"""Reading and checking an administrative division file (行政区划表).

Columns code, name, level, parent (or 区划代码、名称、级别、上级代码), in a CSV (UTF-8 with or
without BOM, or GB18030) or the first sheet of an .xlsx workbook. Codes may be the stored
short form (市/县 6 digits, 乡镇 9, 村 12) or the official 12-digit statistical codes
(统计用区划代码: 210323000000 for a county, 210323106000 for a township), which are
normalised to the short form. Every row is checked here against the file itself and the
places already stored; nothing is written (``operations.import_places`` does that).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from workflow.engine.errors import Invalid
from workflow.jurisdictions.models import LEVEL_TITLES, LEVELS
from workflow.spreadsheets import read_text

HEADERS = {"code": ("code", "区划代码", "代码"), "name": ("name", "名称", "区划名称"),
           "level": ("level", "级别", "层级"), "parent": ("parent", "上级代码", "上级区划代码")}
LEVEL_BY_TITLE = {**{k: k for k in LEVELS}, **{t: k for k, t in LEVEL_TITLES.items()},
                  "乡": "township", "镇": "township", "街道": "township", "区": "county",
                  "社区": "village", "居委会": "village", "村委会": "village"}
SHORT_LENGTH = {"city": 6, "county": 6, "township": 9, "village": 12}
MAX_NAME = 64
MAX_ROWS = 100_000  # a province's villages; more is not a division file
MAX_REPORTED = 500


@dataclass
class Row:
    """One checked row: the short code, and the line it came from."""

    line: int
    code: str
    name: str
    level: str
    parent: str  # short code, "" for a city


@dataclass
class Report:
    """What an import found or did; ``problems`` name the row, code and reason."""

    problems: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    sha256: str = ""

    def add(self, line: int, code: str, message: str) -> None:
        if len(self.problems) < MAX_REPORTED:
            shown = f"（{code}）" if code else ""
            self.problems.append(f"第 {line} 行{shown}：{message}")
        else:
            self.problems[-1] = "错误过多，仅列出前 500 处"

    @property
    def written(self) -> bool:
        return not self.problems and self.created > 0

    @property
    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} 处错误，未写入任何数据"
        if not self.created:
            return f"共 {self.rows} 行，无变化"
        return f"共 {self.rows} 行：新增 {self.created} 个地区，未变 {self.unchanged} 个"


def read_rows(name: str, data: bytes) -> list[list[str]]:
    """The file's rows as text cells (header first); a file that cannot be read is refused."""
    from openpyxl import load_workbook

    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(["" if v is None else str(v).strip() for v in row])
                if len(rows) > MAX_ROWS + 1:
                    break
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise Invalid("文件无法读取", {"file": [f"{name} 不是有效的 Excel 文件"]}) from exc
        return rows
    if lower.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise Invalid("文件无法读取", {"file": [
                    f"{name} 不是 UTF-8 或 GB18030 编码的 CSV"]}) from exc
        try:
            return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error as exc:
            raise Invalid("文件无法读取", {"file": [f"{name} 不是有效的 CSV：{exc}"]}) from exc
    raise Invalid("文件格式不对", {"file": ["「文件」只接受 .csv 或 .xlsx 行政区划表"]})


def _columns(header: list[str]) -> dict[str, int]:
    cells = [c.strip().lower() for c in header]
    found = {}
    for key, names in HEADERS.items():
        for index, cell in enumerate(cells):
            if cell in names:
                found[key] = index
                break
    missing = [HEADERS[k][1] for k in HEADERS if k not in found]
    if missing:
        raise Invalid("文件格式不对", {"file": [
            f"表头缺少「{'」「'.join(missing)}」：应为 区划代码、名称、级别、上级代码"
            "（或 code、name、level、parent）"]})
    return found


def short_code(code: str, level: str) -> tuple[str, str | None]:
    """(stored code, problem) for a short or 12-digit statistical code at ``level``."""
    if not code:
        return "", "「区划代码」为必填项"
    if not code.isascii() or not code.isdigit():
        return code, "「区划代码」只能由数字组成"
    length = SHORT_LENGTH[level]
    if len(code) == 12 and length < 12:
        if code[length:].strip("0"):
            return code, (f"「区划代码」作为{LEVEL_TITLES[level]}级代码，第 {length + 1} 位起"
                          "应全为 0")
        code = code[:length]
    if len(code) != length:
        return code, (f"「区划代码」{LEVEL_TITLES[level]}级应为 {length} 位"
                      f"（或 12 位统计用区划代码），而不是 {len(code)} 位")
    if level == "city" and not code.endswith("00"):
        return code, "「区划代码」市级代码应以 00 结尾"
    if level in ("county", "city") and code.endswith("0000"):
        return code, "「区划代码」是省级代码，不能作为市、县级代码"
    if level == "county" and code.endswith("00"):
        return code, "「区划代码」以 00 结尾的是市级代码，不能作为县级代码"
    return code, None


def _parent_code(value: str) -> str:
    """A parent's short code as written (any level): trailing zero groups of a 12-digit
    statistical code dropped, as ``short_code`` would store it."""
    if len(value) == 12 and value.isdigit():
        for length in (6, 9):
            if not value[length:].strip("0"):
                return value[:length]
    return value


def prefix_of(child_level: str, parent_code: str) -> str:
    """What a child's short code must start with under a parent of ``parent_code``."""
    return parent_code[:4] if child_level == "county" else parent_code


def check(rows: list[list[str]], stored: dict[str, tuple[str, str, str]],
          report: Report) -> list[Row]:
    """Check every data row; ``stored`` is code -> (name, level, parent code) of the
    places already in the database. Returns the rows (meaningful when no problems)."""
    if not rows or not any(rows[0]):
        raise Invalid("文件格式不对", {"file": ["「文件」是空文件"]})
    if len(rows) > MAX_ROWS + 1:
        raise Invalid("文件过大", {"file": [f"「文件」超过 {MAX_ROWS} 行"]})
    cols = _columns(rows[0])
    checked: list[Row] = []
    first_line: dict[str, int] = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        cell = {k: (cells[i] if i < len(cells) else "") for k, i in cols.items()}
        raw = cell["code"]
        level = LEVEL_BY_TITLE.get(cell["level"].strip().lower())
        if level is None:
            report.add(line, raw, f"「级别」应为 市、县、乡镇 或 村，而不是“{cell['level'][:20]}”")
            continue
        code, problem = short_code(raw, level)
        if problem:
            report.add(line, raw, problem)
            continue
        name, problem = read_text(cell["name"])
        if problem:
            report.add(line, code, f"「名称」{problem}")
            continue
        if not name:
            report.add(line, code, "「名称」为必填项")
            continue
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
            report.add(line, code, "「名称」含有控制字符")
            continue
        if len(name) > MAX_NAME:
            report.add(line, code, f"「名称」不能超过 {MAX_NAME} 个字")
            continue
        parent = _parent_code(cell["parent"])
        if level == "city" and parent:
            report.add(line, code, "「上级代码」市级地区不填上级")
            continue
        if level != "city" and not parent:
            report.add(line, code, "「上级代码」为必填项")
            continue
        if parent and not code.startswith(prefix_of(level, parent)):
            report.add(line, code, f"「区划代码」与上级代码 {parent} 不一致（应以 "
                       f"{prefix_of(level, parent)} 开头）")
            continue
        if code in first_line:
            report.add(line, code, f"「区划代码」与第 {first_line[code]} 行重复")
            continue
        first_line[code] = line
        checked.append(Row(line, code, name, level, parent))
    levels = {r.code: r.level for r in checked}
    levels.update({c: v[1] for c, v in stored.items() if c not in levels})
    for row in checked:
        if row.parent:
            parent_level = levels.get(row.parent)
            if parent_level is None:
                report.add(row.line, row.code,
                           f"「上级代码」{row.parent} 既不在文件中，也不在系统中")
            elif LEVELS.index(parent_level) != LEVELS.index(row.level) - 1:
                report.add(row.line, row.code,
                           f"「级别」{LEVEL_TITLES[row.level]}的上级应为"
                           f"{LEVEL_TITLES[LEVELS[LEVELS.index(row.level) - 1]]}级，"
                           f"而 {row.parent} 是{LEVEL_TITLES[parent_level]}级")
        old = stored.get(row.code)
        if old is None:
            continue
        old_name, old_level, old_parent = old
        if old_level != row.level:
            report.add(row.line, row.code, f"「级别」与系统中的{LEVEL_TITLES[old_level]}级不同")
        elif old_parent != row.parent:
            report.add(row.line, row.code,
                       f"「上级代码」与系统中的上级 {old_parent or '（无）'} 不同；"
                       "地区不能通过导入改隶")
        elif old_name != row.name:
            report.add(row.line, row.code,
                       f"「名称」与系统中的“{old_name}”不同：更名须有文号，请使用「更名」办理")
    report.rows = sum(1 for cells in rows[1:] if any(cells))
    return checked
