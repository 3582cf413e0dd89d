"""Phone-sized pages in Chromium at 390 x 844 (issue 19 part 1): the pages a village clerk,
helper and work team use fit the width, the top bar folds into a menu whose links work,
buttons are large enough to tap and form fields bring up the right keyboard. Screenshots
go to /tmp/shots_g for a look by hand (docs/phone.md says what they showed)."""
from __future__ import annotations

import os

import pytest

from tests.factories import GOOD_APPRAISAL, GOOD_CONSENT, GOOD_SURVEY, PASSWORD, Api
from tests.web.test_browser_flow import CHROMIUM, CHROMIUM_ARGS, act, login, server  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs " + CHROMIUM)]
PHONE = {"width": 390, "height": 844}
SHOTS = "/tmp/shots_g"  # noqa: S108 - a fixed place to look at the pages by hand


def overflow(page) -> int:
    """How many pixels the document is wider than the phone (0 or less when it fits)."""
    return overflow_at(page, 390)


def overflow_at(page, width: int) -> int:
    return page.evaluate(f"document.documentElement.scrollWidth - {width}")


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def cases(client, world):
    """One household exit in the village notice (household 0), one waiting for the survey."""
    apis = {n: Api(client, n) for n in ("clerk", "team", "helper")}
    ids = []
    for index in (0, 1):
        response = apis["clerk"].post("/api/v1/cases", json={
            "procedure": "household_exit", "subject_id": world.households[index].id})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    for who, action, data in [("helper", "submit_survey", GOOD_SURVEY),
                              ("clerk", "submit_appraisal", GOOD_APPRAISAL),
                              ("clerk", "verify", {}), ("team", "verify", {}),
                              ("clerk", "confirm_consent", GOOD_CONSENT)]:
        response = apis[who].act(ids[0], action, data)
        assert response.status_code == 200, (action, response.get_json())
    return ids


# The pages of a village clerk (register, cases, notices), a helper and a work team.
def phone_pages(world, cases) -> dict[str, str]:
    return {"todo": "/", "households": "/households",
            "household": f"/households/{world.households[0].id}",
            "case": f"/cases/{cases[1]}", "notice": f"/cases/{cases[0]}",
            "notifications": "/notifications"}


SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'button, .btn, input[type=submit], .nav-toggle'))
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect()])
  .filter(([, r]) => r.width < 44 || r.height < 44)
  .map(([t, r]) => t + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""


def test_the_pages_fit_a_phone_and_their_buttons_are_large(server, world, cases):  # noqa: F811
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for user in ("clerk", "helper", "team"):
                page = login(browser, server, user, PHONE)
                for name, url in phone_pages(world, cases).items():
                    page.goto(server + url)
                    if user == "clerk":
                        shot(page, name)
                    assert overflow(page) <= 0, (user, name, overflow(page))
                    assert page.evaluate(SMALL_TARGETS) == [], (user, name)
                    # Cards: a table of three columns or more hides its headings,
                    # each cell carries its own.
                    for table in page.locator("table.grid").all():
                        if table.locator("thead th").count() >= 3:
                            assert not table.locator("thead").is_visible()
                            cell = table.locator("tbody td").first
                            assert cell.get_attribute("data-label")
                page.context.close()
        finally:
            browser.close()


def test_the_menu_opens_and_its_links_work(server, world, cases):  # noqa: F811
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = login(browser, server, "clerk", PHONE)
            toggle = page.locator("#nav-toggle")
            assert page.locator("nav >> text=农户").is_hidden()
            assert toggle.get_attribute("aria-expanded") == "false"
            assert toggle.bounding_box()["height"] >= 44
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true"
            shot(page, "menu")
            for link in page.locator("#topnav a").all():
                box = link.bounding_box()
                assert box["height"] >= 44 and box["x"] + box["width"] <= 390, link.inner_text()
            page.click("nav >> text=农户")
            page.wait_for_url(f"{server}/households")
            assert page.locator("h1").inner_text() == "农户（建档立卡）"
            page.click("#nav-toggle")
            page.click("#notification-count")
            page.wait_for_url(f"{server}/notifications")
            page.click("#nav-toggle")
            page.click("#topnav >> text=防返贫监测")  # a link of the folded drop-down
            page.wait_for_url(f"{server}/monitoring*")
            page.click("#nav-toggle")
            page.click("#topnav >> text=待办")
            page.wait_for_url(f"{server}/")
            page.click("#nav-toggle")
            page.click("#nav-toggle")  # closes again
            assert page.locator("nav >> text=农户").is_hidden()
            page.context.close()

            # Without scripts the menu still opens (#topnav:target) and its links work.
            context = browser.new_context(viewport=PHONE, java_script_enabled=False)
            page = context.new_page()
            page.goto(f"{server}/login")
            page.fill("#username", "clerk")
            page.fill("#password", PASSWORD)
            page.click("button:has-text('登录')")
            page.wait_for_url(f"{server}/")
            assert page.locator("nav >> text=农户").is_hidden()
            page.click("#nav-toggle")
            page.click("nav >> text=案件列表")
            page.wait_for_url(f"{server}/cases")
            context.close()
        finally:
            browser.close()


def test_case_forms_bring_up_the_right_keyboard(server, world, cases):  # noqa: F811
    """Amounts the decimal pad, counts the digit pad, negatives the keyboard with a minus,
    dates a date picker; set from the field types in forms/*.yaml (engine/forms.py)."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = login(browser, server, "helper", PHONE)
            page.goto(f"{server}/cases/{cases[1]}")

            def attr(field: str, name: str):
                return page.get_attribute(f"#submit_survey-{field}", name)

            assert attr("wages", "inputmode") == "decimal"
            assert attr("household_size", "inputmode") == "numeric"
            assert attr("year", "inputmode") == "numeric"
            assert attr("farm_net", "inputmode") is None  # may be negative: needs a minus
            assert attr("farm_net", "type") == "number"
            box = page.locator("#submit_survey-wages").bounding_box()
            assert box["height"] >= 44 and box["width"] > 300  # one column, full width
            page.fill("#submit_survey-wages", "-5")
            page.click("#act-submit_survey button[type=submit]")
            page.wait_for_load_state()
            assert "应在 0 至 10000000 之间" in page.inner_text("#submit_survey-wages-error")
            assert overflow(page) <= 0
            shot(page, "case_errors")
            # Filled in correctly on the phone, the survey goes through.
            act(page, "submit_survey", {**GOOD_SURVEY, "household_size": 2})
            assert "已办理：提交入户核算" in page.inner_text(".alert-success")
            page.context.close()

            clerk = login(browser, server, "clerk", PHONE)
            clerk.goto(f"{server}/cases/{cases[1]}")  # 民主评议: a date and counts
            date = clerk.locator("#submit_appraisal-meeting_date")
            assert date.get_attribute("type") == "date"
            assert date.bounding_box()["height"] >= 44
            assert clerk.get_attribute("#submit_appraisal-attendees", "inputmode") == "numeric"
            clerk.context.close()
        finally:
            browser.close()


def test_evidence_upload_on_a_phone(server, world, client):  # noqa: F811
    """A house renovation's application form photographed and uploaded from the phone."""
    from tests.housing.helpers import housing_users, jpeg_bytes, make_house, start

    housing_users(world)
    case_id = start({"clerk": Api(client, "clerk")}, make_house(world.households[0]))
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = login(browser, server, "clerk", PHONE)
            page.goto(f"{server}/cases/{case_id}")
            file_input = page.locator("#evidence-file")
            box = file_input.bounding_box()
            assert box["height"] >= 44 and box["x"] + box["width"] <= 390
            assert page.locator("#evidence-kind").bounding_box()["height"] >= 44
            file_input.set_input_files({"name": "申请书.jpg", "mimeType": "image/jpeg",
                                        "buffer": jpeg_bytes()})
            page.click("#upload-form button[type=submit]")
            page.wait_for_load_state()
            assert "申请书.jpg" in page.inner_text("#evidence")
            assert overflow(page) <= 0
            assert page.evaluate(SMALL_TARGETS) == []
            page.locator("#evidence").scroll_into_view_if_needed()
            shot(page, "evidence")
        finally:
            browser.close()


def test_the_desktop_bar_is_unchanged(server, world, cases):  # noqa: F811
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = login(browser, server, "clerk", {"width": 1366, "height": 768})
            assert page.locator("#nav-toggle").is_hidden()
            assert page.locator("nav >> text=农户").is_visible()
            assert page.locator(".topbar .inner").bounding_box()["height"] == 54
            # One line: every top-level link at the same height, within the window.
            tops = {round(link.bounding_box()["y"]) for link in page.locator("nav > a").all()}
            assert len(tops) == 1, tops
            assert overflow_at(page, 1366) <= 0
            shot(page, "desktop_todo")
            assert page.locator("table.grid thead").first.is_visible()  # a table, not cards
        finally:
            browser.close()
