"""Importing department files: every row checked, all or nothing, a report per bad row
naming the line and the column; the same file twice writes nothing; who may import."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.sectors.helpers import AS_OF, HEADERS, county_users, insured_rows, sector_csv
from workflow.engine.errors import Forbidden, Invalid
from workflow.extensions import db
from workflow.sectors.formats import FormatError, formats, load_format
from workflow.sectors.importer import import_file
from workflow.sectors.models import SectorEvent, SectorImport, SectorRecord


def _count(model) -> int:
    return db.session.query(model).count()


def test_formats_load_and_declare_their_columns():
    loaded = formats()
    assert set(loaded) == {"civil_affairs", "medical_insurance", "education", "housing",
                           "disability", "employment", "public_security"}
    for key, fmt in loaded.items():
        assert fmt.headers == HEADERS[key]
        assert fmt.department_title.startswith("县")


def test_a_broken_format_is_refused_with_its_name(tmp_path):
    path = tmp_path / "civil_affairs.yaml"
    path.write_text("key: civil_affairs\ndepartment: nowhere\ntitle: x\nspeaks_to: y\n"
                    "columns: [{header: 身份证号, field: id_number, type: id_number}]\n",
                    encoding="utf-8")
    with pytest.raises(FormatError, match="civil_affairs.yaml"):
        load_format(str(path))


def test_one_bad_row_writes_nothing_and_each_bad_row_is_reported(world):
    users = county_users(world)
    rows = insured_rows(world)
    rows[1][0] = rows[1][0][:17] + ("0" if rows[1][0][17] != "0" else "1")  # check digit
    rows[2][3] = "不知道"
    rows.append(["", "无名", "2020", "已参保"])
    report = import_file("medical_insurance", "医保.csv", sector_csv("medical_insurance", rows),
                         AS_OF, users["medical"])
    assert report.import_id is None
    assert report.problems == ["第 3 行「身份证号」校验位不正确",
                               "第 4 行「参保状态」须为：已参保、参保、停保、终止",
                               f"第 {len(rows) + 1} 行「身份证号」为必填项"]
    assert _count(SectorImport) == _count(SectorRecord) == _count(SectorEvent) == 0


def test_a_good_file_is_one_chained_import_and_again_changes_nothing(world):
    users = county_users(world)
    data = sector_csv("medical_insurance", insured_rows(world))
    report = import_file("medical_insurance", "医保.csv", data, AS_OF, users["medical"])
    assert not report.problems and report.rows == _count(SectorRecord) > 0
    event = db.session.query(SectorEvent).one()
    row = db.session.get(SectorImport, report.import_id)
    assert event.data["sha256"] == row.sha256 and event.data["as_of"] == AS_OF
    again = import_file("medical_insurance", "医保.csv", data, AS_OF, users["medical"])
    assert again.already and again.import_id == report.import_id
    assert _count(SectorImport) == 1 and _count(SectorEvent) == 1


def test_xlsx_is_read_like_csv(world):
    users = county_users(world)
    book = Workbook()
    sheet = book.active
    for row in [HEADERS["medical_insurance"], *insured_rows(world)]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    report = import_file("medical_insurance", "医保.xlsx", out.getvalue(), AS_OF,
                         users["medical"])
    assert not report.problems and report.rows == len(insured_rows(world))


def test_departments_import_only_their_own_data_and_bad_files_say_why(world):
    users = county_users(world)
    data = sector_csv("civil_affairs", [])
    with pytest.raises(Forbidden):
        import_file("civil_affairs", "民政.csv", data, AS_OF, users["medical"])
    with pytest.raises(Forbidden):
        import_file("civil_affairs", "民政.csv", data, AS_OF, world.users["clerk"])
    with pytest.raises(Invalid) as bad:
        import_file("civil_affairs", "民政.csv", b"\xff\xfe\x00garbage", AS_OF, users["civil"])
    assert "民政.csv" in str(bad.value.errors)
    with pytest.raises(Invalid) as wrong:
        import_file("civil_affairs", "x.csv", sector_csv("education", []), AS_OF,
                    users["civil"])
    assert "表头应含" in str(wrong.value.errors)
    with pytest.raises(Invalid) as date:
        import_file("civil_affairs", "民政.csv", data, "2020-13-01", users["civil"])
    assert "数据截止日期" in str(date.value.errors)
    report = import_file("civil_affairs", "民政.csv", data, AS_OF, world.users["county"])
    assert report.problems == ["文件中没有数据行"]
