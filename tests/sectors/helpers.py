"""Building sector files and a county with users for the sectors tests."""
from __future__ import annotations

import datetime as dt

from tests.factories import id_number, make_user
from workflow.extensions import db
from workflow.spreadsheets import csv_bytes

AS_OF = "2020-06-30"
HEADERS = {
    "civil_affairs": ["身份证号", "姓名", "救助类别", "保障起始日期"],
    "medical_insurance": ["身份证号", "姓名", "参保年度", "参保状态"],
    "education": ["身份证号", "姓名", "学籍状态", "学校"],
    "housing": ["户主身份证号", "户主姓名", "鉴定等级", "鉴定日期"],
    "disability": ["身份证号", "姓名", "残疾人证号", "证件状态"],
    "employment": ["身份证号", "姓名", "就业状态", "就业地点"],
    "public_security": ["身份证号", "姓名", "变动类型", "变动日期"],
}


def sector_csv(source: str, rows: list[list]) -> bytes:
    return csv_bytes([HEADERS[source], *rows])


def county_users(world) -> dict:
    """县医保局 and 县民政局 officials of the world's county (county_sector)."""
    county = world.places["county"]
    users = {"medical": make_user("medical", ("county_sector", county), name="医保局"),
             "civil": make_user("civil", ("county_sector", county), name="民政局")}
    users["medical"].assignments[0].department = "medical_insurance"
    users["civil"].assignments[0].department = "civil_affairs"
    db.session.commit()
    return users


def insured_rows(world, skip: set[str] = frozenset()) -> list[list]:
    """Every current member with an ID number of the world's households, insured."""
    rows = []
    for household in world.households:
        for member in household.members:
            if member.id_number and member.id_number not in skip:
                rows.append([member.id_number, member.name, "2020", "已参保"])
    return rows


def give_ids(world) -> None:
    """An ID number for every member of the world's households (the factory gives only
    the head one), adults born 1975."""
    serial = 500
    for household in world.households:
        for member in household.members:
            if not member.id_number:
                serial += 1
                member.id_number = id_number(household.village.code[:6], "19750101", serial)
    db.session.commit()


def child_id(village, birth: dt.date, serial: int) -> str:
    return id_number(village.code[:6], birth.strftime("%Y%m%d"), serial)
