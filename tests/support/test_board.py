"""Coverage rules fire on households built to break each and stay silent once covered;
the special-action board equals a direct count over a constructed register, per place
below and month; a county department sees only its own action's board."""
from __future__ import annotations

from tests.factories import Api, id_number, make_user
from tests.support.helpers import body
from workflow.auth.models import RoleAssignment
from workflow.extensions import db
from workflow.registry.models import Household, Member
from workflow.support import operations as ops
from workflow.support.models import SupportMeasure
from workflow.support.rules import RULES, Month, household_gaps

JUNE = Month.of(2020, 6)


def add(world, household, user="clerk", **over):
    return ops.add_measure(household.id, body(**over), world.users[user])


def gaps(household) -> dict[str, int]:
    db.session.expire_all()
    return {rule.name: n for rule, n in household_gaps(db.session.get(Household, household.id),
                                                         JUNE)}


def test_each_rule_fires_on_a_household_built_to_break_it_and_then_stays_silent(world):
    first, second, third = world.households
    first.members[0].labour_capacity = "ordinary"          # head, born 1970: working age
    first.members[2].schooling = "junior"                  # a pupil
    for m in second.members:                               # nobody can work
        m.labour_capacity = "lost"
    third.members[1].id_number = id_number("210323", "19500101", 901)  # 70: past working age
    third.members[1].labour_capacity = "weak"
    third.members[2].id_number = id_number("210323", "20100101", 902)  # 10: a child
    third.members[2].labour_capacity = "ordinary"
    db.session.commit()
    assert gaps(first) == {"industry_every_person": 3, "every_member_insured": 3,
                           "every_pupil_funded": 1, "labourer_employment_offered": 1}
    assert gaps(second) == {"industry_every_person": 2, "every_member_insured": 2,
                            "no_labour_household_secured": 1}
    assert "labourer_employment_offered" not in gaps(third)
    add(world, first)                                      # industry, whole household
    add(world, first, kind="medical_insurance", department="health")
    add(world, first, kind="education_aid", department="education",
        member_id=first.members[2].id)
    assert gaps(first) == {"labourer_employment_offered": 1}
    add(world, first, kind="public_post", department="human_resources",
        member_id=first.members[0].id)
    assert gaps(first) == {}
    add(world, second, kind="dibao", department="agriculture")
    add(world, second)
    add(world, second, kind="medical_insurance", department="health")
    assert gaps(second) == {}


def test_a_measure_covers_only_the_months_it_runs_and_a_member_measure_only_its_member(world):
    first = world.households[0]
    add(world, first, member_id=first.members[1].id, starts_on="2020-03-01", ends_on="2020-05-31")
    assert gaps(first)["industry_every_person"] == 3       # ended before June
    may = {r.name: n for r, n in household_gaps(db.session.get(Household, first.id),
                                                Month.of(2020, 5))}
    assert may["industry_every_person"] == 2               # one member covered in May
    add(world, first, starts_on="2020-07-01", ends_on=None)
    assert gaps(first)["industry_every_person"] == 3       # starts after June


def direct_count(rule: str, month: Month, villages: set[int]) -> tuple[int, int]:
    """Concerned and covered people of a person rule, counted household by household."""
    concerned = covered = 0
    measures = db.session.execute(db.select(SupportMeasure)).scalars().all()
    kinds, actions = RULES[rule].kinds, RULES[rule].actions
    for h in db.session.execute(db.select(Household)).scalars():
        if h.village_id not in villages or h.status != "registered_poor":
            continue
        for m in h.members:
            concerned += 1
            covered += any(x.household_id == h.id and x.member_id in (None, m.id)
                           and (x.kind in kinds or x.action in actions)
                           and x.starts_on <= month.last
                           and (x.ends_on is None or x.ends_on >= month.first)
                           for x in measures)
    return concerned, covered


def test_the_board_equals_a_direct_count_per_place_and_month(client, world):
    first, second, third = world.households
    add(world, first)
    add(world, second, member_id=second.members[0].id)
    add(world, third, "other_clerk", starts_on="2020-01-01", ends_on="2020-05-31")
    extra = Household(head_name="赵𡈽", id_number=id_number("210323", "19800101", 903),
                      village=world.places["v2"], jurisdiction_path=world.places["v2"].path,
                      status="exited", members=[Member(name="赵𡈽", relation="户主")])
    db.session.add(extra)                                  # out: not concerned
    db.session.commit()
    county = Api(client, "county")
    for month, yanggu_covered in (("2020-06", 0), ("2020-05", 4)):
        out = county.get(f"/api/v1/support/board?special_action=industry&month={month}")
        assert out.status_code == 200, out.get_json()
        board = out.get_json()
        assert board["place"]["code"] == "210323" and board["month"] == month
        [rule] = board["rules"]
        places = {p["code"]: (p["concerned"], p["covered"], p["gaps"]) for p in rule["places"]}
        assert places == {"210323106": (5, 4, 1), "210323107": (4, yanggu_covered,
                                                                4 - yanggu_covered)}
        m = Month.of(2020, int(month[-2:]))
        v1, v2 = world.places["v1"].id, world.places["v2"].id
        assert (rule["concerned"], rule["covered"]) == direct_count(
            "industry_every_person", m, {v1, v2})
    drill = county.get("/api/v1/support/gaps?special_action=industry&month=2020-06"
                       "&rule=industry_every_person&place=210323106").get_json()
    assert [(h["id"], h["gaps"]) for h in drill["households"]] == [(second.id, 1)]
    township = Api(client, "township")
    mine = township.get("/api/v1/support/board?special_action=industry&month=2020-06").get_json()
    assert [p["code"] for p in mine["rules"][0]["places"]] == ["210323106201"]
    refused = township.get("/api/v1/support/board?special_action=industry&place=210323")
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["place"] == ["所选「地区」不存在或不在您的管辖范围内"]
    bad = county.get("/api/v1/support/board?month=2020-13")
    assert bad.status_code == 422 and "「月份」" in bad.get_json()["errors"]["month"][0]


def test_a_county_department_sees_its_own_action(client, world, as_user):
    user = make_user("edu_bureau", name="教育局")
    db.session.add(RoleAssignment(user=user, role="county_sector",
                                  jurisdiction=world.places["county"], department="education"))
    first = world.households[0]
    first.members[2].schooling = "primary"
    db.session.commit()
    bureau = Api(client, "edu_bureau")
    board = bureau.get("/api/v1/support/board?month=2020-06").get_json()
    assert board["action"] == "education"
    assert [r["rule"] for r in board["rules"]] == ["every_pupil_funded"]
    assert board["rules"][0]["gaps"] == 1
    other = bureau.get("/api/v1/support/board?special_action=industry")
    assert other.status_code == 422
    page = as_user("edu_bureau").get("/support/board?month=2020-06").get_data(as_text=True)
    assert "在校学生教育资助" in page and "产业扶贫" not in page
    drill = as_user("edu_bureau").get(
        "/support/board/gaps?month=2020-06&rule=every_pupil_funded&place=210323")
    assert drill.status_code == 200 and first.head_name in drill.get_data(as_text=True)


def test_working_age_is_read_from_settings(world):
    from workflow.settings.operations import set_setting

    first = world.households[0]
    first.members[0].labour_capacity = "ordinary"
    db.session.commit()
    assert "labourer_employment_offered" in gaps(first)
    late = Month.of(2031, 6)  # born 1970-06-15: 61 at the end of June 2031
    assert "labourer_employment_offered" not in {
        r.name for r, _ in household_gaps(db.session.get(Household, first.id), late)}
    set_setting(world.users["admin"], "support_working_age_max", "45", on="2020-01-01",
                place="210323", document="岫政办〔2020〕1号")
    assert "labourer_employment_offered" not in gaps(first)  # 49 in June 2020: past 45


def test_the_board_page_picks_its_place_from_the_users_places(world, as_user):
    county = as_user("county")
    page = county.get("/support/board?special_action=industry").get_data(as_text=True)
    assert '<select name="place">' in page
    assert 'value="210323106"' in page and "偏岭镇" in page  # the townships below
    chosen = county.get("/support/board?special_action=industry&place=210323106")
    assert chosen.status_code == 200
    assert "专项行动作战图 · 偏岭镇" in chosen.get_data(as_text=True)
    # The township's own picker offers nothing outside it.
    mine = as_user("township").get("/support/board?special_action=industry")
    assert 'value="210323107"' not in mine.get_data(as_text=True)
