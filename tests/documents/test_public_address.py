"""The verification address on paper is the configured public one (WORKFLOW_PUBLIC_BASE_URL),
never the host a request came through; production prints nothing with a link without it."""
from __future__ import annotations

import re

import pytest
import zxingcpp

from tests.documents.helpers import open_case, page_image, pdf_text
from workflow import create_app
from workflow.cases.models import Case
from workflow.documents import verify
from workflow.extensions import db

PUBLIC = "https://fupin.example.gov.cn/"
INTERNAL = {"Host": "app-7.internal:8000"}


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def sheet(apis, case_id: int, **headers):
    api = apis["clerk"]
    return api.client.get(f"/cases/{case_id}/sheet.pdf", headers={**api.headers, **headers})


def test_paper_carries_the_public_address_whatever_host_was_asked(app, apis, world):
    case_id = open_case(apis, world.households[0])
    app.config["PUBLIC_BASE_URL"] = PUBLIC
    try:
        for path in ("sheet.pdf", "cover.pdf"):
            api = apis["clerk"]
            response = api.client.get(f"/cases/{case_id}/{path}",
                                      headers={**api.headers, **INTERNAL})
            assert response.status_code == 200, path
            text = flat(pdf_text(response.data))
            assert "fupin.example.gov.cn/verify/" in text and "internal" not in text, path
        codes = zxingcpp.read_barcodes(page_image(sheet(apis, case_id, **INTERNAL).data,
                                                  dpi=200),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
        code = verify.case_code(db.session.get(Case, case_id))
        assert [c.text for c in codes] == [f"{PUBLIC}verify/{case_id}/{code}"]
    finally:
        app.config["PUBLIC_BASE_URL"] = None


def test_production_without_the_address_prints_nothing_with_a_link(app, apis, world):
    case_id = open_case(apis, world.households[0])
    app.config["PRODUCTION"] = True
    try:
        response = sheet(apis, case_id, **INTERNAL)
        assert response.status_code == 503
        assert "WORKFLOW_PUBLIC_BASE_URL" in response.get_data(as_text=True)
    finally:
        app.config["PRODUCTION"] = False
    # Development (the demo): the request's own address.
    assert "localhost/verify/" in flat(pdf_text(sheet(apis, case_id).data))


@pytest.mark.parametrize("value", ["fupin.example.gov.cn", "javascript:alert(1)",
                                   "https://", "https://a b/"])
def test_a_malformed_public_address_stops_the_app(monkeypatch, tmp_path, value):
    monkeypatch.setenv("WORKFLOW_PUBLIC_BASE_URL", value)
    with pytest.raises(ValueError, match="WORKFLOW_PUBLIC_BASE_URL"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_the_sheet_command_needs_the_public_address(app, world, tmp_path):
    case = world.households[0]
    from workflow.cases.operations import create_case

    case_id = create_case("household_exit", case.id, world.users["clerk"]).id
    runner = app.test_cli_runner()
    out = str(tmp_path / "sheet.pdf")
    result = runner.invoke(args=["documents", "sheet", str(case_id), "-o", out])
    assert result.exit_code != 0 and "WORKFLOW_PUBLIC_BASE_URL" in result.output
    result = runner.invoke(args=["documents", "sheet", str(case_id), "-o", out,
                                 "--base-url", PUBLIC])
    assert result.exit_code == 0, result.output
