"""Each matching rule finds the household built to disagree and stays silent on the ones
that agree; a second run clears what was mended and does not raise again what the village
found to be the department's mistake."""
from __future__ import annotations

import datetime as dt

from tests.sectors.helpers import (
    AS_OF,
    child_id,
    county_users,
    give_ids,
    insured_rows,
    sector_csv,
)
from workflow.extensions import db
from workflow.housing.models import House, HouseAppraisal
from workflow.registry.models import Member
from workflow.sectors.importer import import_file
from workflow.sectors.matching import run_matching
from workflow.sectors.models import Discrepancy
from workflow.sectors.operations import verify_discrepancy


def _found(rule: str | None = None) -> set[tuple]:
    query = db.session.query(Discrepancy).filter(Discrepancy.status == "open")
    if rule:
        query = query.filter(Discrepancy.rule == rule)
    return {(d.household.head_name, d.member.name if d.member else None, d.reason)
            for d in query}


def _run(world):
    return run_matching(world.places["county"], world.users["county"])


def _import(world, source: str, rows: list[list], as_of: str = AS_OF):
    report = import_file(source, f"{source}.csv", sector_csv(source, rows), as_of,
                         world.users["county"])
    assert not report.problems, report.problems
    return report


def test_medical_insurance_finds_the_uninsured_member_only(world):
    give_ids(world)
    missing = world.households[1].members[1]
    _import(world, "medical_insurance", insured_rows(world, skip={missing.id_number}))
    run = _run(world)
    assert _found() == {("张喆", missing.name, "医保参保名单中无此人（或已停保）")}
    assert run.found == run.opened == 1
    # The register's removed members are not expected to be insured.
    missing.removed_on = dt.date(2020, 1, 1)
    db.session.commit()
    assert _run(world).cleared == 1 and _found() == set()


def _child(household, name: str, birth: dt.date, serial: int) -> Member:
    child = Member(name=name, relation="子女",
                   id_number=child_id(household.village, birth, serial))
    household.members.append(child)
    return child


def test_school_age_children_neither_enrolled_nor_exempt(world):
    h0, h1, h2 = world.households
    absent = _child(h0, "王小明", dt.date(2012, 1, 1), 801)        # 8: not listed
    enrolled = _child(h1, "张小红", dt.date(2010, 3, 1), 802)       # 10: in school
    dropout = _child(h2, "刘小刚", dt.date(2005, 7, 1), 803)        # 14 on 2020-06-30
    exempt = _child(h2, "刘小丽", dt.date(2013, 2, 1), 804)         # 7: 送教上门
    _child(h0, "王小宝", dt.date(2015, 1, 1), 805)                 # 5: too young
    _child(h1, "张大哥", dt.date(2004, 6, 30), 806)                # 16 on the day
    db.session.commit()
    _import(world, "education", [[enrolled.id_number, enrolled.name, "在读", "一小"],
                                 [dropout.id_number, dropout.name, "辍学", ""],
                                 [exempt.id_number, exempt.name, "送教上门", ""]])
    _run(world)
    assert _found() == {("王建国", absent.name, "适龄儿童未在教育部门在读或免予入学名单中"),
                        ("刘𠮷", dropout.name, "教育部门名单显示辍学")}


def test_dibao_and_tekun_flags_against_the_civil_affairs_roll(world):
    h0, h1, h2 = world.households
    h0.dibao, h2.tekun = True, True
    db.session.commit()
    _import(world, "civil_affairs", [[h0.id_number, h0.head_name, "低保", "2019-01-01"],
                                     [h1.id_number, h1.head_name, "低保", ""]])
    _run(world)
    assert _found() == {("张喆", None, "民政低保名册中有该户成员，登记未标记为低保户"),
                        ("刘𠮷", None, "登记为特困供养户，民政特困供养名册中无该户成员")}


def _house(household, grade: str, user, on: dt.date = dt.date(2019, 5, 1)) -> House:
    house = House(household=household, address="村里", structure="砖木", area=60,
                  village_id=household.village_id, jurisdiction_path=household.jurisdiction_path)
    db.session.add(house)
    db.session.flush()
    db.session.add(HouseAppraisal(house_id=house.id, grade=grade, appraised_on=on,
                                  appraiser="鉴定员", certificate_no=f"JD-{house.id}",
                                  recorded_by_id=user.id))
    return house


def test_a_house_recorded_safe_that_housing_lists_as_c_or_d(world):
    h0, h1, h2 = world.households
    user = world.users["county"]
    _house(h0, "A", user)
    _house(h1, "B", user)
    later = _house(h2, "B", user)
    db.session.add(HouseAppraisal(house_id=later.id, grade="D", appraised_on=dt.date(2020, 1, 1),
                                  appraiser="鉴定员", certificate_no="JD-X",
                                  recorded_by_id=user.id))  # latest: D, known dangerous
    db.session.commit()
    _import(world, "housing", [[h0.id_number, h0.head_name, "C级", "2020-05-01"],
                               [h1.id_number, h1.head_name, "B", ""],
                               [h2.id_number, h2.head_name, "D", ""]])
    _run(world)
    assert _found() == {("王建国", None, "住建部门名单列为 C/D 级危房，登记为安全住房")}


def test_disability_both_ways_and_police_deaths(world):
    give_ids(world)
    h0, h1, h2 = world.households
    certified, uncertified = h0.members[1], h1.members[1]
    certified.disabled = uncertified.disabled = True
    unregistered, dead = h2.members[1], h2.members[2]
    db.session.commit()
    _import(world, "disability", [[certified.id_number, certified.name, "残证1", "有效"],
                                  [unregistered.id_number, unregistered.name, "残证2", "有效"],
                                  [uncertified.id_number, uncertified.name, "残证3", "注销"]])
    _import(world, "public_security", [[dead.id_number, dead.name, "死亡", "2020-03-01"]])
    _import(world, "employment", [[h0.id_number, h0.head_name, "就业", "大连"]])
    _run(world)
    assert _found() == {("张喆", uncertified.name, "登记为残疾，残联无有效残疾人证记录"),
                        ("刘𠮷", unregistered.name, "残联有有效残疾人证记录，登记未标记残疾"),
                        ("刘𠮷", dead.name, "公安户籍数据显示已死亡")}


def test_the_latest_data_counts_and_a_sector_mistake_is_not_raised_again(world):
    give_ids(world)
    users = county_users(world)
    missing = world.households[0].members[2]
    _import(world, "medical_insurance", insured_rows(world, skip={missing.id_number}))
    _run(world)
    row = db.session.query(Discrepancy).one()
    verify_discrepancy(row.id, world.users["clerk"], "sector_wrong", note="本人已在外地参保")
    assert _run(world).opened == 0 and _found() == set()
    # Newer data still without them: a new question for the village.
    newer = import_file("medical_insurance", "医保2.csv", sector_csv(
        "medical_insurance", insured_rows(world, skip={missing.id_number})[1:]
        + insured_rows(world)[:1]), "2020-09-30", users["medical"])
    assert not newer.problems
    assert _run(world).opened == 1
    # And data that agrees clears it.
    _import(world, "medical_insurance", insured_rows(world), "2020-12-31")
    assert _run(world).cleared == 1 and _found() == set()


def test_a_county_without_data_finds_nothing(world):
    run = _run(world)
    assert run.found == 0 and run.imports == {}
