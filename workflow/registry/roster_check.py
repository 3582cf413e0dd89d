"""Reading a roster file and checking every row (see ``roster`` for the format)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from workflow.engine.errors import Invalid
from workflow.engine.fields import parse_int
from workflow.registry.disclosure import is_masked
from workflow.registry.models import (
    HOUSEHOLD_STATUSES,
    INCOME_KINDS,
)
from workflow.registry.schemas import id_number_problem
from workflow.spreadsheets import read_text

MEMBER_COLUMNS = ("户主身份证号", "村代码", "姓名", "身份证号", "与户主关系", "是否残疾", "户状态",
                  "低保户", "特困供养", "一卡通账号", "建档年度", "联系电话", "住址")
INCOME_COLUMNS = ("户主身份证号", "年度", *INCOME_KINDS.values(), "家庭人口")
STATUS_BY_TITLE = {t: k for k, t in HOUSEHOLD_STATUSES.items()}
YES, NO = {"是", "1", "true", "Y", "y"}, {"否", "0", "false", "N", "n", ""}
MAX_INCOME = Decimal("10000000")  # yuan a year for one kind: above this is a typing error
MAX_REPORTED = 500
MASKED_ID = "是导出时隐去部分数字的号码，不能作为导入的依据：请使用含完整身份证号的文件"
MASKED_ACCOUNT = "是导出时隐去部分数字的账号：请填写完整的一卡通账号，或留空"
MASKED_PHONE = "是导出时隐去部分数字的号码：请填写完整的 11 位手机号码，或留空"


@dataclass
class Report:
    """What an import found or did; ``problems`` are "第 N 行「字段」…" lines."""

    problems: list[str] = field(default_factory=list)
    households: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, sheet: str, line: int, label: str, message: str) -> None:
        self.problems.append(f"{sheet}第 {line} 行「{label}」{message}")


# --- reading ---------------------------------------------------------------------------

def read_sheets(name: str, data: bytes) -> list[list[list[str]]]:
    """Every table of one uploaded file, as rows of stripped texts: each sheet of an
    .xlsx, or the one table of a .csv (UTF-8 or GB18030). Shared by every importer of
    spreadsheets (the roster, the sector data): ``Invalid`` names the file when it
    cannot be read."""
    from openpyxl import load_workbook

    if name.lower().endswith(".xlsx"):
        try:
            # Formulas as written, not their cached results: a formula in a text
            # field is refused rather than imported as whatever it last computed.
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            return [[["" if v is None else str(v).strip() for v in row]
                     for row in sheet.iter_rows(values_only=True)]
                    for sheet in book.worksheets]
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise Invalid("文件无法读取", {"file": [f"{name} 不是有效的 Excel 文件"]}) from exc
    if name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise Invalid("文件无法读取", {"file": [
                    f"{name} 不是 UTF-8 或 GB18030 编码的 CSV"]}) from exc
        try:
            return [[[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]]
        except csv.Error as exc:
            raise Invalid("文件无法读取", {"file": [f"{name} 不是有效的 CSV 文件"]}) from exc
    raise Invalid("文件格式不对", {"file": [f"{name}：只接受 .xlsx 或 .csv 文件"]})


def read_tables(files: list[tuple[str, bytes]]) -> tuple[list[list[str]], list[list[str]]]:
    """(member rows, income rows) from one .xlsx or one or two .csv files, headers checked."""
    members: list[list[str]] | None = None
    incomes: list[list[str]] | None = None
    for name, data in files:
        for rows in read_sheets(name, data):
            kind = _kind(rows[0] if rows else [])
            if kind == "members":
                members = rows
            elif kind == "incomes":
                incomes = rows
            elif name.lower().endswith(".csv"):
                raise Invalid("文件格式不对", {"file": [
                    f"{name} 的表头应为“{'、'.join(MEMBER_COLUMNS)}”"
                    f"或“{'、'.join(INCOME_COLUMNS)}”"]})
    if members is None:
        raise Invalid("文件格式不对", {"file": [
            "缺少“家庭成员”表（表头：" + "、".join(MEMBER_COLUMNS) + "）"]})
    return members, incomes or [list(INCOME_COLUMNS)]


def _kind(header: list[str]) -> str | None:
    cells = [str(c).strip() for c in header]
    if cells[:len(MEMBER_COLUMNS)] == list(MEMBER_COLUMNS):
        return "members"
    if cells[:len(INCOME_COLUMNS)] == list(INCOME_COLUMNS):
        return "incomes"
    return None


# --- checking --------------------------------------------------------------------------

def _text(value: str, sheet: str, line: int, label: str, report: Report) -> str:
    """A text field's value (``spreadsheets.read_text``); a formula-like one is refused."""
    value, problem = read_text(value)
    if problem:
        report.add(sheet, line, label, problem)
    return value


def _id_problem(number: str) -> str | None:
    return MASKED_ID if is_masked(number) else id_number_problem(number)


def _flag(value: str, sheet: str, line: int, label: str, report: Report) -> bool:
    if value in YES:
        return True
    if value not in NO:
        report.add(sheet, line, label, f"应填“是”或“否”，而不是“{value}”")
    return False


def _int(value: str, low: int, high: int, sheet: str, line: int, label: str,
         report: Report, required: bool = False) -> int | None:
    if value == "":
        if required:
            report.add(sheet, line, label, "为必填项")
        return None
    number = parse_int(value, low, high)  # "²" passes isdigit() but not int()
    if number is None:
        report.add(sheet, line, label, f"应为 {low} 至 {high} 的整数")
    return number


def _money(value: str, sheet: str, line: int, label: str, report: Report,
           may_be_negative: bool) -> Decimal:
    try:
        amount = Decimal(value or "0")
    except InvalidOperation:
        report.add(sheet, line, label, f"应为金额（元），而不是“{value}”")
        return Decimal(0)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        report.add(sheet, line, label, "应为金额，最多两位小数")
    elif amount < 0 and not may_be_negative:
        report.add(sheet, line, label, f"为 {amount} 元：不能为负数")
    elif abs(amount) > MAX_INCOME:
        report.add(sheet, line, label, f"为 {amount:,.2f} 元：超过 {MAX_INCOME:,.0f} 元，不合常理")
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else Decimal(0)


def parse(member_rows: list[list[str]], income_rows: list[list[str]],
          villages: dict[str, tuple[int, str]], report: Report) -> dict[str, dict]:
    """The file's households by head ID number, each field checked; problems go to report."""
    households: dict[str, dict] = {}
    first_seen: dict[str, int] = {}
    member_ids: dict[str, int] = {}
    sheet = "家庭成员表"
    for line, row in enumerate(member_rows[1:], start=2):
        if not any(row):
            continue
        row = (row + [""] * len(MEMBER_COLUMNS))[:len(MEMBER_COLUMNS)]
        head_id, code, name, number, relation, disabled = row[:6]
        head_id, number = head_id.upper(), number.upper()
        name = _text(name, sheet, line, "姓名", report)
        relation = _text(relation, sheet, line, "与户主关系", report)
        if head_id not in households and (problem := _id_problem(head_id)):
            report.add(sheet, line, "户主身份证号", problem)
            continue
        if not name or len(name) > 64 or any(ord(c) < 32 for c in name):
            report.add(sheet, line, "姓名", "为必填项，不超过 64 个字，不含不可见字符")
        if not relation or len(relation) > 16:
            report.add(sheet, line, "与户主关系", "为必填项，不超过 16 个字")
        if number:
            if number != head_id and (problem := _id_problem(number)):
                report.add(sheet, line, "身份证号", problem)
            elif number in member_ids:
                report.add(sheet, line, "身份证号", f"{number[:6]}…在第 {member_ids[number]} "
                           "行已出现，同一人不能重复登记")
            else:
                member_ids[number] = line
        household = households.setdefault(head_id, {"members": [], "line": line})
        household["members"].append((name, relation, number or None,
                                     _flag(disabled, sheet, line, "是否残疾", report)))
        if number != head_id:
            continue
        if "village_id" in household:
            report.add(sheet, line, "户主身份证号",
                       f"户主在第 {first_seen[head_id]} 行已登记，同一户重复")
            continue
        first_seen[head_id] = line
        status, dibao, tekun, account, year, phone, address = row[6:13]
        address = _text(address, sheet, line, "住址", report)
        village = villages.get(code)
        if village is None:
            report.add(sheet, line, "村代码", f"{code or '（空）'} 不存在或不在您的管辖范围内")
        if status not in STATUS_BY_TITLE and status not in HOUSEHOLD_STATUSES:
            report.add(sheet, line, "户状态", "应为：" + "、".join(STATUS_BY_TITLE))
        if account and is_masked(account):
            report.add(sheet, line, "一卡通账号", MASKED_ACCOUNT)
        elif account and not (account.isdigit() and 12 <= len(account) <= 24):
            report.add(sheet, line, "一卡通账号", "应为 12 至 24 位数字")
        if phone and is_masked(phone):
            report.add(sheet, line, "联系电话", MASKED_PHONE)
        elif phone and not (phone.isdigit() and len(phone) == 11 and phone[0] == "1"):
            report.add(sheet, line, "联系电话", "应为 11 位手机号码")
        if len(address) > 200:
            report.add(sheet, line, "住址", "不能超过 200 个字")
        household.update(
            head_name=name, village_id=village[0] if village else None,
            jurisdiction_path=village[1] if village else "",
            status=STATUS_BY_TITLE.get(status, status),
            dibao=_flag(dibao, sheet, line, "低保户", report),
            tekun=_flag(tekun, sheet, line, "特困供养", report), bank_account=account or None,
            registered_year=_int(year, 2014, 2035, sheet, line, "建档年度", report),
            phone=phone or None, address=address or None, incomes={})
    for head_id, household in households.items():
        if "village_id" not in household:
            report.add(sheet, household["line"], "户主身份证号",
                       f"{head_id[:6]}…的户没有户主行（与户主关系为“户主”且身份证号等于户主身份证号）")
    _parse_incomes(income_rows, households, report)
    return households


def _parse_incomes(rows: list[list[str]], households: dict[str, dict], report: Report) -> None:
    sheet = "收入表"
    labels = list(INCOME_KINDS.values())
    for line, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        row = (row + [""] * len(INCOME_COLUMNS))[:len(INCOME_COLUMNS)]
        head_id = row[0].upper()
        household = households.get(head_id)
        if household is None or "incomes" not in household:
            report.add(sheet, line, "户主身份证号", "在家庭成员表中没有这一户")
            continue
        year = _int(row[1], 2014, 2035, sheet, line, "年度", report, required=True)
        amounts = tuple(_money(value, sheet, line, label, report,
                               may_be_negative=kind in ("farm_net", "business_net"))
                        for value, label, kind in zip(row[2:7], labels, INCOME_KINDS, strict=True))
        size = _int(row[7], 1, 30, sheet, line, "家庭人口", report, required=True)
        if year is None or size is None:
            continue
        if year in household["incomes"]:
            report.add(sheet, line, "年度", f"{year} 年的收入已在本表中填写过")
        household["incomes"][year] = (*amounts, size)
