"""帮扶进展 (monthly progress per household) through the API: a household reaching the
line is marked 本月达标 in that month and not before; a closed quarter's figures do not
change with later entries; the board equals a direct count of the entries; another
township's user neither sees nor enters; bad input is 422 with the field's label; every
entry is on the register chain and an SQL edit behind the application is reported."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from tests.audit.test_verify import run_verify, tamper
from tests.factories import Api
from tests.support.helpers import events
from workflow import clock
from workflow.extensions import db
from workflow.progress import tallies
from workflow.progress.models import HouseholdProgress


def on(day: str) -> None:
    """Noon China time on ``day``."""
    clock.reset()
    clock.travel(clock.day_start(dt.date.fromisoformat(day)) + dt.timedelta(hours=4)
                 - clock.utcnow())


def enter(api: Api, hid: int, month: int, income: str, **over):
    return api.post(f"/api/v1/households/{hid}/progress",
                    json={"year": 2020, "month": month, "income_to_date": income, **over})


def months(api: Api, hid: int) -> dict[int, str]:
    out = api.get(f"/api/v1/households/{hid}/progress?year=2020").get_json()
    return {e["month"]: e["category"] for e in out["entries"]}


def test_reaching_the_line_is_marked_in_that_month_and_not_before(client, world):
    on("2020-03-20")  # 2020 poverty line: 4,000 yuan per person
    helper = Api(client, "helper")
    hid = world.households[0].id  # 3 people
    first = enter(helper, hid, 1, "3000", note="养牛 5 头")
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["per_capita"], first.get_json()["category"]) == ("1000.00", "below")
    assert enter(helper, hid, 2, "9000").status_code == 201
    assert months(helper, hid) == {1: "below", 2: "below"}
    reached = enter(helper, hid, 3, "12600.50")
    assert reached.get_json()["reached_this_month"] is True
    assert reached.get_json()["per_capita"] == "4200.17"
    assert months(helper, hid) == {1: "below", 2: "below", 3: "reached"}
    listed = helper.get(f"/api/v1/households/{hid}/progress?year=2020").get_json()
    assert listed["reached_month"] == 3
    # A correction of February moves the mark to February; March is then reached before.
    fixed = enter(helper, hid, 2, "12000", version=1)
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["version"] == 2
    assert months(helper, hid) == {1: "below", 2: "reached", 3: "above"}
    stale = enter(helper, hid, 2, "12500", version=1)
    assert stale.status_code == 409
    [edited] = events("progress_edited")
    assert edited.data["changes"]["income_to_date"] == {"before": "9000.00", "after": "12000.00"}
    assert len(events("progress_recorded")) == 3
    assert tallies.differences() == []
    page = helper.get(f"/api/v1/progress/board?place={world.places['v1'].code}&month=2020-02")
    assert page.get_json()["total"]["reached"] == 1
    january = helper.get(f"/api/v1/progress/board?place={world.places['v1'].code}&month=2020-01")
    assert (january.get_json()["total"]["reached"], january.get_json()["total"]["below"]) == (0, 1)
    assert run_verify(client.application).exit_code == 0


def test_a_closed_quarter_does_not_change_with_later_entries(client, world):
    out, other = world.households[0], world.households[1]
    out.status = other.status = "exited"
    db.session.commit()
    on("2020-03-25")
    helper = Api(client, "helper")
    assert enter(helper, out.id, 3, "13500").get_json()["category"] == "out_below_bar"  # 4500
    assert enter(helper, other.id, 3, "11000").get_json()["category"] == "out"  # 2 × 5500
    city = world.places["city"].code

    def quarter(q: int, api: Api) -> dict:
        rows = api.get(f"/api/v1/progress/board?place={city}&month=2020-{q * 3:02d}") \
            .get_json()["quarters"]["rows"]
        return next(r for r in rows if r["quarter"] == q)

    on("2020-04-20")  # the first quarter closed on 5 April
    viewer = Api(client, "city")
    first = quarter(1, viewer)
    assert first["closed"] is True
    assert (first["below_households"], first["below_people"], first["out_households"]) == (1, 3, 2)
    late = enter(helper, out.id, 3, "16000")
    assert late.status_code == 422
    message = late.get_json()["errors"]["month"][0]
    assert "「月份」2020 年第 1 季度已于 2020-04-05 结束录入" in message
    assert enter(helper, out.id, 4, "18000").get_json()["category"] == "out"  # 6000 in April
    assert enter(helper, other.id, 4, "9000").get_json()["category"] == "out_below_bar"
    assert quarter(1, viewer) == first
    second = quarter(2, viewer)
    assert (second["closed"], second["month"], second["below_households"]) == (False, 4, 1)
    assert "2020 年第 1 季度" not in str(events("progress_edited"))


def test_the_board_equals_a_direct_count(client, world):
    on("2020-06-15")
    helper, other = Api(client, "helper"), Api(client, "other_clerk")
    a, b, c = world.households
    enter(helper, a.id, 5, "6000")
    enter(helper, a.id, 6, "15000")  # reached in June
    enter(helper, b.id, 6, "3000")   # below
    enter(other, c.id, 6, "20000")   # another village: reached
    body = Api(client, "county").get(
        f"/api/v1/progress/board?place={world.places['county'].code}&month=2020-06").get_json()
    for category in ("below", "reached", "above", "out", "out_below_bar"):
        direct = db.session.execute(select(func.count()).select_from(HouseholdProgress).where(
            HouseholdProgress.year == 2020, HouseholdProgress.month == 6,
            HouseholdProgress.category == category)).scalar_one()
        assert body["total"][category] == direct, category
    rows = {r["code"]: r for r in body["rows"]}
    assert (rows[world.places["pianling"].code]["reached"],
            rows[world.places["pianling"].code]["below"]) == (1, 1)
    assert rows[world.places["yanggu"].code]["reached"] == 1
    assert body["total"]["registered"] == 3 and body["total"]["not_entered"] == 0
    assert tallies.differences() == []
    assert tallies.rebuild() > 0 and tallies.differences() == []
    runner = client.application.test_cli_runner()
    assert runner.invoke(args=["audit", "tallies"]).exit_code == 0
    db.session.execute(text("UPDATE progress_tallies SET households = households + 1"))
    db.session.commit()
    tampered = runner.invoke(args=["audit", "tallies"])
    assert tampered.exit_code == 1 and "进展记录" in tampered.output
    assert runner.invoke(args=["audit", "tallies", "--rebuild"]).exit_code == 0
    assert runner.invoke(args=["audit", "tallies"]).exit_code == 0


def test_another_township_neither_sees_nor_enters(client, world):
    on("2020-06-15")
    hid = world.households[0].id
    stranger = Api(client, "other_township")
    assert stranger.get(f"/api/v1/households/{hid}/progress").status_code == 404
    assert enter(stranger, hid, 6, "1000").status_code == 404
    assert enter(Api(client, "other_clerk"), hid, 6, "1000").status_code == 404
    board = stranger.get(f"/api/v1/progress/board?place={world.places['pianling'].code}")
    assert board.status_code == 422
    assert "管辖范围" in board.get_json()["errors"]["place"][0]
    reviewer = Api(client, "township")  # sees, does not enter
    assert reviewer.get(f"/api/v1/households/{hid}/progress").status_code == 200
    assert enter(reviewer, hid, 6, "1000").status_code == 403
    assert db.session.execute(select(func.count()).select_from(HouseholdProgress)).scalar() == 0


def test_bad_input_is_422_naming_the_field(client, world):
    on("2020-06-15")
    helper = Api(client, "helper")
    hid = world.households[0].id
    response = enter(helper, hid, 13, "12.345", household_size=0, note="很" * 501, extra=1)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "「月份」" in errors["month"][0]
    assert "「本年累计纯收入」最多两位小数" in errors["income_to_date"][0]
    assert "「家庭人口」" in errors["household_size"][0]
    assert "「帮扶进展」不能超过 500 个字" in errors["note"][0]
    assert "extra" in errors
    for bad in ("abc", "NaN", "1e400", [], None, "-5"):
        response = enter(helper, hid, 6, bad)
        assert response.status_code == 422, bad
        assert "「本年累计纯收入」" in response.get_json()["errors"]["income_to_date"][0]
    future = enter(helper, hid, 7, "100")
    assert "「月份」不能晚于本月（2020-06）" in future.get_json()["errors"]["month"][0]
    no_line = enter(helper, hid, 6, "100", year=2035)
    assert no_line.status_code == 422
    assert helper.post(f"/api/v1/households/{hid}/progress", data="x",
                       content_type="application/json").status_code in (400, 422)
    assert db.session.execute(select(func.count()).select_from(HouseholdProgress)).scalar() == 0


def test_an_sql_edit_of_an_entry_is_reported(client, world):
    on("2020-06-15")
    helper = Api(client, "helper")
    entry = enter(helper, world.households[0].id, 6, "9000").get_json()
    assert run_verify(client.application).exit_code == 0
    tamper("UPDATE household_progress SET income_to_date = 20000 WHERE id = :id",
           id=entry["id"])
    result = run_verify(client.application)
    assert result.exit_code != 0
    assert f"帮扶进展 {entry['id']} 的「本年累计纯收入」与留痕记录不符" in result.output
