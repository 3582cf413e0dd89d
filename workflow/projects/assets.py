"""The asset register (扶贫资产登记确权) per place, and its Excel export (openpyxl)."""
from __future__ import annotations

import io
from typing import Any

from workflow.auth.models import User
from workflow.extensions import db
from workflow.jurisdictions.scope import place_by_code, scope_filter
from workflow.projects.models import ASSET_CLASSES, Asset
from workflow.spreadsheets import append_row

COLUMNS = ("资产编号", "资产名称", "资产类别", "资产价值（元）", "资金来源", "所有权人",
           "经营（管理）主体", "管护责任人", "收益分配方式", "所在地", "来源项目", "登记日期")


def asset_query(user: User, args: Any, problems: list[str]):
    """Assets in the user's scope, filtered by place (``jurisdiction``) and ``class``."""
    query = db.select(Asset).where(scope_filter(Asset.jurisdiction_path, user))
    if code := (args.get("jurisdiction") or "").strip():
        place = place_by_code(code, user)
        if place is None:
            problems.append("所选「地区」不存在或不在您的管辖范围内；已忽略此条件")
        else:
            query = query.where(Asset.jurisdiction_path.startswith(place.path, autoescape=True))
    if kind := (args.get("class") or "").strip():
        if kind in ASSET_CLASSES:
            query = query.where(Asset.asset_class == kind)
        else:
            problems.append("所选「资产类别」不存在；已忽略此条件")
    return query.order_by(Asset.id)


def assets_workbook(assets: list[Asset]) -> bytes:
    """One sheet, a row per asset; money as numbers with two decimals, texts that would
    run as formulas escaped (``workflow.spreadsheets``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "扶贫资产登记表"
    append_row(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for a in assets:
        sources = "；".join(f"{s['source']} {s['amount']} 元" for s in a.fund_sources or [])
        append_row(sheet, (a.id, a.name, a.class_title, a.value, sources, a.owner,
                           a.manager, a.maintainer, a.income_sharing, a.village.full_name,
                           a.project.name, a.registered_on))
        sheet.cell(row=sheet.max_row, column=4).number_format = "#,##0.00"
        sheet.cell(row=sheet.max_row, column=12).number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJKL", (8, 24, 12, 16, 30, 20, 20, 14, 30, 30, 24, 12),
                             strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
