"""In headless Chromium: the county office uploads a 医保 file with a bad row (the report
names the row and column, nothing written), then the corrected one; after the run, the
village clerk finds the discrepancy under 业务办理 → 行业数据比对 and verifies it."""
from __future__ import annotations

import os

import pytest

from tests.sectors.helpers import AS_OF, give_ids, insured_rows, sector_csv
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401
from workflow.extensions import db
from workflow.sectors.matching import run_matching
from workflow.sectors.models import Discrepancy, SectorImport

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_upload_report_then_village_verifies(server, world, tmp_path):  # noqa: F811
    give_ids(world)
    missing = world.households[0].members[1]
    rows = insured_rows(world, skip={missing.id_number})
    bad = [list(r) for r in rows]
    bad[0][3] = "没交"
    (tmp_path / "bad.csv").write_bytes(sector_csv("medical_insurance", bad))
    (tmp_path / "good.csv").write_bytes(sector_csv("medical_insurance", rows))
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            county = login(browser, server, "county")
            county.goto(f"{server}/sectors/")
            county.select_option("#sector-source", "medical_insurance")
            county.fill("#sector-as-of", AS_OF)
            county.set_input_files("#sector-file", str(tmp_path / "bad.csv"))
            county.click("button:has-text('导入')")
            expect(county.locator("#sector-report")).to_contain_text(
                "第 2 行「参保状态」须为：已参保")
            assert db.session.query(SectorImport).count() == 0
            county.select_option("#sector-source", "medical_insurance")
            county.fill("#sector-as-of", AS_OF)
            county.set_input_files("#sector-file", str(tmp_path / "good.csv"))
            county.click("button:has-text('导入')")
            expect(county.locator("#sector-report")).to_contain_text("导入完成")
            run_matching(world.places["county"], world.users["county"])
            clerk = login(browser, server, "clerk")
            clerk.click("text=业务办理")
            clerk.click("text=行业数据比对")
            clerk.click("#sector-counts >> text=大房身村")
            row = clerk.locator("tr[data-discrepancy]")
            expect(row).to_contain_text("医保参保名单中无此人")
            expect(row).to_contain_text("县医疗保障局")
            row.locator("select[name=outcome]").select_option("sector_wrong")
            row.locator("input[name=note]").fill("已在外地参保")
            row.locator("button:has-text('提交核实')").click()
            expect(clerk.locator(".alert-success")).to_contain_text("部门数据有误")
        finally:
            browser.close()
    db.session.expire_all()
    assert db.session.query(Discrepancy).one().status == "sector_wrong"
