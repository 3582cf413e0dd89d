"""The 本月帮扶进展 page (from the household page) and the 月度进展 board in the browser's
way: a helper enters a month through the form (CSRF), a bad figure is shown beside its
field, the board marks 本月达标 and lists the village's households, a stranger gets 404."""
from __future__ import annotations

from tests.progress.test_progress import on
from tests.web.test_pages import csrf


def test_a_helper_enters_through_the_form_and_the_board_marks_it(as_user, world):
    on("2020-06-15")
    helper = as_user("helper")
    hid = world.households[0].id
    show = helper.get(f"/households/{hid}").get_data(as_text=True)
    assert f"/progress/households/{hid}" in show and "本月帮扶进展" in show
    url = f"/progress/households/{hid}"
    bad = helper.post(url, data={"csrf_token": csrf(helper, url), "year": "2020", "month": "6",
                                 "income_to_date": "很多"})
    assert bad.status_code == 422
    assert "「本年累计纯收入」必须是数字" in bad.get_data(as_text=True)
    done = helper.post(url, data={"csrf_token": csrf(helper, url), "year": "2020",
                                  "month": "6", "income_to_date": "15000",
                                  "note": "务工收入增加"})
    assert done.status_code == 302, done.get_data(as_text=True)
    page = helper.get(f"{url}?year=2020").get_data(as_text=True)
    assert "6 月达标" in page and "务工收入增加" in page and "本月达标" in page
    board = helper.get(f"/progress/board?place={world.places['v1'].code}&month=2020-06")
    text = board.get_data(as_text=True)
    assert board.status_code == 200 and "月度进展" in text and "王建国" in text
    assert "本月达标" in text
    county = as_user("county").get(
        f"/progress/board?place={world.places['county'].code}&month=2020-06")
    assert "偏岭镇" in county.get_data(as_text=True)
    assert as_user("other_clerk").get(url).status_code == 404
    assert helper.get("/progress/board?month=2020-13").status_code == 302


def test_the_monthly_report_prints_the_progress_figures(client, world):
    from tests.documents.helpers import pdf_text
    from tests.factories import Api
    from tests.progress.test_progress import enter
    from workflow.engine import store
    from workflow.oversight.export_jobs import report_pdf

    on("2020-06-15")
    helper = Api(client, "helper")
    enter(helper, world.households[0].id, 6, "15000")
    enter(helper, world.households[1].id, 6, "2000")
    data, _ = report_pdf(store.current("household_exit"), world.places["county"], "2020-06")
    lines = pdf_text(data, layout=True).splitlines()
    start = next(i for i, t in enumerate(lines) if "帮扶进展（2020-06" in t)
    assert "本月达标" in lines[start + 1]
    row = next(t for t in lines[start:] if t.strip().startswith("偏岭镇"))
    assert row.split()[1:3] == ["1", "1"]  # one below the line, one reaching it
    assert any("已脱贫但低于质量目标的农户" in t for t in lines[start:])
    assert any("第 2 季度" in t and "进行中" in t for t in lines[start:])


def test_the_excel_monthly_report_carries_the_same_progress_figures(client, world, as_user):
    import io

    from openpyxl import load_workbook

    from tests.factories import Api
    from tests.progress.test_progress import enter

    on("2020-06-15")
    helper = Api(client, "helper")
    enter(helper, world.households[0].id, 6, "15000")
    enter(helper, world.households[1].id, 6, "2000")
    response = as_user("county").get(
        "/boards/report.xlsx?procedure=household_exit&place=210323&month=2020-06")
    assert response.status_code == 200
    rows = [[c for c in r if c is not None] for r in
            load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("帮扶进展（2020-06"))
    assert rows[start + 1][:3] == ["地区", "未达标", "本月达标"]
    town = next(r for r in rows[start:] if r and r[0] == "偏岭镇")
    assert town[1:3] == [1, 1]  # one below the line, one reaching it, as in the PDF
    assert any(r and r[0] == "第 2 季度" and r[-1] == "进行中" for r in rows[start:])
