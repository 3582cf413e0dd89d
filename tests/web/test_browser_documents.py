"""Batch printing in headless Chromium: filters checked beside their fields, a progress page
that updates by itself, and the finished PDF downloaded by clicking."""
from __future__ import annotations

import os

import pytest

from tests.documents.helpers import cases_in, pdf_text
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, login, server  # noqa: F401
from workflow.extensions import db
from workflow.jobs.models import Job

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]


def test_township_prints_a_batch_and_downloads_it(server, app, world, tmp_path,  # noqa: F811
                                                   job_worker):
    mine = cases_in(world, "v1", 3)
    theirs = cases_in(world, "v2", 1, clerk="other_clerk")
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = login(browser, server, "township")
        page.click("nav >> text=批量打印")
        expect(page.locator("h1")).to_have_text("批量打印")

        # A reversed date range is named beside the field and starts nothing.
        page.select_option("select[name=procedure]", label="贫困户退出")
        page.fill("input[name=date_from]", "2026-03-01")
        page.fill("input[name=date_to]", "2026-02-01")
        page.click("button:has-text('生成 PDF')")
        expect(page.locator("label:has(input[name=date_to]) .error")).to_have_text(
            "「结束日期」不能早于「开始日期」")
        assert page.input_value("select[name=procedure]") == "household_exit"  # kept
        db.session.expire_all()
        assert db.session.query(Job).count() == 0

        page.fill("input[name=date_from]", "")
        page.fill("input[name=date_to]", "")
        page.click("button:has-text('生成 PDF')")
        expect(page.locator("h1")).to_contain_text("批量打印：审批表")
        expect(page.locator("#job p.muted")).to_contain_text("范围：我的管辖范围，共 3 件案件。")
        # The page polls its status endpoint: no reload, the count and the link appear.
        expect(page.locator("#state")).to_have_text("已完成", timeout=60_000)
        expect(page.locator("#count")).to_have_text("3 / 3")
        assert page.eval_on_selector("#bar", "e => e.value") == 100
        with page.expect_download() as download:
            page.click("#download")
        saved = tmp_path / "batch.pdf"
        download.value.save_as(saved)
        page.click("text=返回批量打印")  # the job is listed, with its file one click away
        row = page.locator("table.grid tbody tr").first
        expect(row).to_contain_text("已完成")
        assert row.locator("a:has-text('下载')").get_attribute("href").endswith("/download")
        browser.close()
    text = pdf_text(saved.read_bytes())
    assert all(name in text for name in mine)
    assert not any(name in text for name in theirs)  # another township's case
    assert text.count("贫困户退出审批表") == 3
