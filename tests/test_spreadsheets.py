"""The one spreadsheet helper every export and import uses: formula-like texts escaped
and written as strings, numbers left alone, the escape undone exactly on import; the
asset register and the allocation import go through it too."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from workflow.projects.assets import assets_workbook
from workflow.spreadsheets import append_row, csv_bytes, escape, read_text, unescape

TEXTS = ["=1+2", "+86 138", "-x", "@SUM(A1)", "\tx", "\rx", "'=1", "''@", "'abc", "abc",
         "", "王建国", "=HYPERLINK(\"http://x\",\"y\")"]


@pytest.mark.parametrize("text", TEXTS)
def test_unescape_undoes_escape_and_no_escaped_text_is_a_formula(text):
    assert unescape(escape(text)) == text
    assert not escape(text).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert read_text(escape(text)) == (text, None)


def test_raw_formula_texts_are_refused_and_plain_ones_pass():
    assert read_text("=1+2")[1] == "不能以 = + - @ 开头"
    assert read_text("'abc") == ("'abc", None) and read_text("张喆") == ("张喆", None)


def test_rows_keep_numbers_and_write_escaped_texts_as_strings():
    for write_only in (True, False):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("表") if write_only else book.active
        append_row(sheet, ["=1+2", Decimal("-500.00"), -3, "-", None, "普通"])
        out = io.BytesIO()
        book.save(out)
        cells = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows())
        assert [(c.value, c.data_type) for c in cells] == [
            ("'=1+2", "s"), (-500, "n"), (-3, "n"), ("'-", "s"), (None, "n"), ("普通", "s")]
    assert csv_bytes([["=1+2", Decimal("-500.00"), "x"]]).decode("utf-8-sig") == \
        "'=1+2,-500.00,x\r\n"


def test_the_asset_register_escapes_its_texts():
    asset = SimpleNamespace(
        id=1, name="=HYPERLINK(\"http://x\",\"y\")", class_title="经营性资产",
        value=Decimal("780000"), fund_sources=[{"source": "@县级资金", "amount": "1"}],
        owner="-村集体", manager="大房身村", maintainer="+李", income_sharing="按股分红",
        village=SimpleNamespace(full_name="大房身村"), project=SimpleNamespace(name="香菇大棚"),
        registered_on=dt.date(2020, 6, 1))
    row = list(load_workbook(io.BytesIO(assets_workbook([asset]))).active.iter_rows())[1]
    assert row[1].value == "'=HYPERLINK(\"http://x\",\"y\")" and row[1].data_type == "s"
    assert row[5].value == "'-村集体" and row[7].value == "'+李"
    assert row[3].data_type == "n"


def test_allocation_import_refuses_a_formula_document_number(world, app, tmp_path):
    from workflow.extensions import db
    from workflow.funds.models import Allocation

    path = tmp_path / "allocations.csv"
    path.write_text("project_id,source_id,amount,document_no\n1,1,5000,=1+2\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["funds", "import-allocations", "--user",
                                                "county", str(path)])
    assert result.exit_code != 0
    assert "第 2 行「资金下达文号」不能以 = + - @ 开头；整个文件未导入" in result.output
    assert db.session.query(Allocation).count() == 0
