"""Village exit takes the recorded rural population of the assessment's year, when there
is one, over the figure the village typed in (and says so where the incidence is shown)."""
from __future__ import annotations

from tests.factories import Api
from tests.villages.test_village_exit import _start
from workflow.jurisdictions.operations import record_population
from workflow.villages.rules import assessed_incidence


def test_recorded_population_is_the_denominator(client, world):
    v1 = world.places["v1"]  # 5 registered-poor people in the world's register
    clerk = Api(client, "clerk")
    case_id = _start(clerk, v1.id)
    # Typed 400 would give 1.25 %; the county recorded 200 people for 2019: 2.50 %.
    record_population("210323106201", 2019, 200, "公安户籍", "岫公户〔2019〕3号",
                      world.users["admin"])
    blocked = clerk.act(case_id, "submit_self_assessment", {"year": 2019,
                                                             "rural_population": 400})
    assert blocked.status_code == 422
    assert blocked.get_json()["errors"]["_guards"] == [
        "「贫困发生率 2.5%，未低于 2%」（国家贫困村退出标准）"]
    found = assessed_incidence(v1.id, {"year": 2019, "rural_population": 400})
    assert found.describe() == ("2.50%（剩余贫困人口 5 人 ÷ 农业户籍人口 200 人，"
                                "按 2019 年登记数（公安户籍，岫公户〔2019〕3号））")
    # Another year has no record: the typed figure counts.
    assert assessed_incidence(v1.id, {"year": 2020, "rural_population": 400}).population == 400
    record_population("210323106201", 2019, 400, "统计年报", "岫统〔2019〕1号",
                      world.users["admin"])
    passed = clerk.act(case_id, "submit_self_assessment", {"year": 2019,
                                                            "rural_population": 100})
    assert passed.status_code == 200, passed.get_json()
