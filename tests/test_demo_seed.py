"""``demo seed``: every household-exit state, sound trails, rare names, and only once."""
from __future__ import annotations

import datetime as dt

import click
import pytest

from workflow import clock
from workflow.audit.chain import verify
from workflow.auth.models import User
from workflow.cases.models import Case
from workflow.demo.seed import PASSWORD_ENV, seed
from workflow.engine import store
from workflow.extensions import db
from workflow.notices.models import Notice, Objection
from workflow.registry.models import Household
from workflow.registry.schemas import id_number_problem


@pytest.fixture
def lines(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "Demo-口令-2020")
    return seed(20)


def test_every_state_has_a_case_and_every_trail_verifies(lines):
    states = set(db.session.execute(db.select(Case.state)).scalars())
    assert set(store.current("household_exit").states) <= states
    checked, problems = verify()
    assert checked == db.session.query(Case).count() >= 14
    assert problems == []


def test_special_cases_and_realistic_times(lines):
    cosigned = db.session.execute(
        db.select(Case).where(Case.state == "village_verification")).scalars().all()
    assert any(c.cosigns.get("verify") for c in cosigned)
    open_objection = db.session.execute(
        db.select(Objection).join(Notice).where(Objection.outcome == "open",
                                                Notice.closed_at.is_(None))).scalars().all()
    assert open_objection
    returned = db.session.execute(
        db.select(Case).where(Case.state == "income_survey", Case.event_count > 1)
    ).scalars().all()
    assert returned, "a case sent back by the township"
    assert abs(clock.utcnow() - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(
        minutes=1), "the clock is back to real time"
    for procedure, days in (("household_exit", 61), ("house_renovation", 200)):
        first, last = db.session.execute(
            db.select(db.func.min(Case.created_at), db.func.max(Case.updated_at))
            .where(Case.procedure == procedure)).one()
        assert clock.utcnow() - dt.timedelta(days=days) < first < last < clock.utcnow()


def test_rare_character_names_round_trip_and_ids_are_valid(lines):
    found = db.session.execute(
        db.select(Household).where(Household.head_name.like("%𠮷%"))).scalars().all()
    assert [h.head_name for h in found] == ["刘𠮷昌"]
    households = db.session.execute(db.select(Household)).scalars().all()
    assert len([h for h in households if h.jurisdiction_path.startswith("/210300/")]) == 20
    for household in households:
        assert 2 <= len(household.members) <= 5
        assert household.income_for(2019) is not None
        for member in household.members:
            assert id_number_problem(member.id_number) is None, member.id_number


def test_users_and_the_printed_table(lines):
    user = db.session.execute(db.select(User).filter_by(username="pl_dfs_clerk")).scalar_one()
    assert user.check_password("Demo-口令-2020")
    assert any("pl_dfs_clerk" in line and "Demo-口令-2020" in line for line in lines)
    roles = {a.role for u in db.session.execute(db.select(User)).scalars() for a in u.assignments}
    assert {"village_clerk", "work_team", "helper", "township_reviewer",
            "county_poverty_office", "city_poverty_office", "auditor", "admin"} <= roles


def test_seed_refuses_a_database_that_has_places(lines):
    with pytest.raises(click.ClickException, match="已有地区数据"):
        seed(20)


def test_random_passwords_without_the_variable(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    table = [line.split() for line in seed(14) if line.startswith("  ") and "_" in line]
    passwords = [row[1] for row in table if len(row) > 2 and row[2] in {
        "village_clerk", "work_team", "helper", "township_reviewer", "admin"}]
    assert len(passwords) > 10 and len(set(passwords)) == len(passwords)


def test_renovation_cases_with_evidence_and_houses(lines):
    from workflow.evidence.models import Attachment
    from workflow.housing.models import House

    renovations = db.session.execute(db.select(Case).where(
        Case.procedure == "house_renovation")).scalars().all()
    assert len(renovations) == db.session.query(House).count() >= 5
    assert len({c.state for c in renovations}) >= 5
    assert db.session.query(Attachment).count() >= 5
    assert any("危房改造案件" in line for line in lines)


def test_projects_funds_and_assets_with_agreeing_ledgers(lines):
    from workflow.funds.ledgers import check_ledgers
    from workflow.funds.models import FundSource
    from workflow.projects.models import Asset, Project

    budgets = {s.county.name: s.budget for s in db.session.execute(
        db.select(FundSource)).scalars()}
    assert budgets == {"岫岩满族自治县": 15_000_000, "台安县": 10_000_000}
    statuses = {p.library_status for p in db.session.execute(db.select(Project)).scalars()}
    assert statuses == {"proposed", "in_library"}
    assert db.session.query(Asset).count() == 1
    assert check_ledgers() == []


def test_a_village_exit_and_a_monitoring_case_wait_for_their_next_step(lines):
    states = dict(db.session.execute(db.select(Case.procedure, Case.state).where(
        Case.procedure.in_(("village_exit", "monitoring_entry")))).all())
    assert states == {"village_exit": "township_check", "monitoring_entry": "home_check"}
    assert any("贫困村退出" in line for line in lines)


def test_the_printed_logins_tell_the_sector_departments_apart(lines):
    sector = [line for line in lines if "county_sector" in line]
    assert len(sector) == 3
    titles = {line.split("（", 1)[1] for line in sector}
    assert len(titles) == 3 and all(t.startswith("县行业部门（") for t in titles)


def test_zhuanghe_places_designations_and_users(lines):
    from workflow.audit.admin import verify as verify_admin
    from workflow.jurisdictions.models import Jurisdiction
    from workflow.villages.designations import VillageDesignation, low_income_villages

    county = db.session.execute(db.select(Jurisdiction).filter_by(code="210283")).scalar_one()
    assert county.parent.name == "大连市" and county.name == "庄河市"
    townships = db.session.execute(db.select(Jurisdiction).filter_by(
        parent_id=county.id)).scalars().all()
    assert {"城关街道", "青堆镇", "太平岭满族乡"} <= {t.name for t in townships}
    villages = low_income_villages([county.path])
    assert len(villages) == 55
    years = list(db.session.execute(db.select(VillageDesignation.planned_exit_year)).scalars())
    assert years.count(2018) / 55 >= 0.2 and (years.count(2018) + years.count(2019)) / 55 >= 0.7
    assert sorted(set(years)) == [2018, 2019, 2020]
    zhuanghe = [h for h in db.session.execute(db.select(Household)).scalars()
                if h.jurisdiction_path.startswith(county.path)]
    assert len(zhuanghe) == 8 and all(h.income_for(2019) for h in zhuanghe)
    printed = " ".join(lines)
    for username in ("zh_wjg_clerk", "zh_wjg_team", "zh_qingdui_review", "zhuanghe_fpb",
                     "zhuanghe_audit", "zhuanghe_admin", "dalian_fpb"):
        assert username in printed
    assert "低收入村 55 个" in printed
    assert verify_admin()[1] == []


def test_support_measures_are_seeded_on_a_sound_register_trail(lines):
    from workflow.audit import register
    from workflow.support.models import SupportMeasure

    assert db.session.query(SupportMeasure).count() > 0
    assert any("帮扶措施" in line for line in lines)
    assert register.verify()[1] == []


def test_monthly_progress_is_seeded_with_the_plans_targets(lines):
    from workflow.audit import register
    from workflow.progress import tallies
    from workflow.progress.board import month_board, quarters
    from workflow.progress.models import HouseholdProgress

    entries = db.session.query(HouseholdProgress).all()
    today = clock.today()
    assert len({e.month for e in entries}) == min(4, today.month)
    assert {e.category for e in entries} >= {"below", "out", "out_below_bar"}
    if today.month > 1:  # the first seeded month's households have reached the line
        assert any(e.category == "reached" for e in entries)
    assert tallies.differences() == [] and register.verify()[1] == []
    from workflow.jurisdictions.models import Jurisdiction

    city = db.session.execute(db.select(Jurisdiction).where(
        Jurisdiction.code == "210300")).scalar_one()
    board = month_board(None, city, today.year, today.month)
    assert board["total"]["entered"] == len([e for e in entries if e.month == today.month])
    tracked = quarters(None, city, today.year)["rows"]
    assert tracked[-1]["target_households"] == 3482 and tracked[-1]["target_people"] == 7979
    assert any("帮扶进展" in line for line in lines)
