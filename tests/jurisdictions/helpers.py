"""Division files for the tests: rows as a county would load them."""
from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = "区划代码,名称,级别,上级代码"
# The world's places (tests/factories) as 12-digit statistical codes, and two new villages.
WORLD = [
    ("210300000000", "鞍山市", "市", ""),
    ("210323000000", "岫岩满族自治县", "县", "210300000000"),
    ("210323106000", "偏岭镇", "乡镇", "210323000000"),
    ("210323107000", "杨家堡镇", "乡镇", "210323000000"),
    ("210323106201", "大房身村", "村", "210323106000"),
    ("210323107201", "石庙子村", "村", "210323107000"),
]
NEW = [("210323106202", "小房身村", "村", "210323106000"),
       ("210323106203", "前进村", "村", "210323106000")]


def csv_file(rows, bom: bool = True) -> bytes:
    text = "\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def xlsx_file(rows, header=("code", "name", "level", "parent")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
