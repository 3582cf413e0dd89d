"""``demo seed``: 鞍山市 > 岫岩满族自治县 > two townships > villages, a user per role per
place, fictional households, and household-exit cases in every state.

Cases are driven through ``create_case`` / ``perform`` only, so their trails, notices
and register changes are real. The history is laid out over the last two months with
the engine clock, office hours China time, each case finishing a day or more ago.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from workflow import clock
from workflow.audit import admin
from workflow.auth.models import RoleAssignment, User
from workflow.auth.titles import role_title
from workflow.cases.models import Case
from workflow.cases.operations import create_case, perform
from workflow.demo.houses import STOPS as HOUSE_STOPS
from workflow.demo.houses import seed_houses
from workflow.demo.people import People, make_household, survey_values
from workflow.demo.progress import seed_progress
from workflow.demo.projects import seed_projects
from workflow.demo.support import seed_support
from workflow.demo.villages import seed_monitoring, seed_village_exit
from workflow.demo.zhuanghe import seed_zhuanghe
from workflow.engine import store
from workflow.engine.errors import WorkflowError
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction, add_place
from workflow.jurisdictions.operations import import_places
from workflow.notices.operations import notice_days
from workflow.registry.models import Household
from workflow.settings.demo import seed_settings

PROCEDURE = "household_exit"
HOUSE_PROCEDURE = "house_renovation"
PASSWORD_ENV = "WORKFLOW_DEMO_PASSWORD"  # noqa: S105 (the variable's name)
HISTORY_DAYS = 60
# (code, name, username prefix, village prefix, [(code, name, abbreviation)])
TOWNSHIPS = (
    ("210323106", "偏岭镇", "pianling", "pl",
     (("210323106201", "大房身村", "dfs"), ("210323106202", "偏岭村", "pl"),
      ("210323106203", "三道河村", "sdh"))),
    ("210323107", "杨家堡镇", "yangjiapu", "yjp",
     (("210323107201", "石庙子村", "smz"), ("210323107202", "杨家堡村", "yjp"),
      ("210323107203", "北沟村", "bg"))),
)
VILLAGE_ROLES = (("village_clerk", "clerk"), ("work_team", "team"), ("helper", "helper"))
COUNTY_ROLES = (("county_poverty_office", "fpb"), ("county_housing_bureau", "zjj"),
                ("county_leading_group", "ldxz"), ("auditor", "audit"),
                ("admin", "admin"))  # xiuyan_admin: manages the county's users only
# County sector departments that appraise projects of their category (论证).
SECTOR_DEPARTMENTS = (("agriculture", "nyj"), ("transport", "jtj"), ("water", "slj"))
CITY_ROLES = (("city_poverty_office", "fpb"), ("auditor", "audit"), ("admin", "admin"))
SURVEY_NOTES = ("务工收入稳定", "发展庭院经济，种植香菇", "养殖黄牛两头，收入稳定",
                "一人从事村公益岗位", "土地流转加务工收入", "种植板栗、柞蚕放养")


@dataclass
class Account:
    """One demo login, as printed in the table."""

    username: str
    password: str
    role: str
    place: Jurisdiction
    department: str | None = None


@dataclass
class Step:
    """One sign-off of a case's history, ``gap`` days (min, max) after the previous one."""

    gap: tuple[int, int]
    who: str  # clerk, team, helper, township, county or city
    action: str
    opinion: str = ""
    data: Callable[[Household, dt.date], dict] | None = None


# --- places and users -----------------------------------------------------------------

PLACES_FILE = Path(__file__).with_name("places_xiuyan.csv")  # the county's division file


def _build_places() -> tuple[Jurisdiction, Jurisdiction, list[tuple[Jurisdiction, str, list]]]:
    """The city, the county, and each township with its login name and (village, prefix)s;
    loaded from the county's division file as ``flask places import`` would load it."""
    report = import_places(PLACES_FILE.name, PLACES_FILE.read_bytes(), admin.cli_actor())
    if report.problems:
        raise click.ClickException("；".join(report.problems))
    found = {p.code: p for p in db.session.execute(db.select(Jurisdiction)).scalars()}
    city, county = found["210300"], found["210323"]
    add_place("210321", "台安县", "county", city)  # its budget only (see demo/projects.py)
    townships = [(found[code], login, [(found[v_code], f"{prefix}_{abbr}")
                                       for v_code, _, abbr in villages])
                 for code, _, login, prefix, villages in TOWNSHIPS]
    return city, county, townships


class Staff:
    """Creates demo users and remembers who acts for which role over which place."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.shared = os.environ.get(PASSWORD_ENV) or None
        self.accounts: list[Account] = []
        self.by_place: dict[tuple[str, str], User] = {}
        self._hashes: dict[str, str] = {}

    def add(self, username: str, role: str, place: Jurisdiction,
            department: str | None = None) -> User:
        password = self.shared or secrets.token_urlsafe(9)
        # demo_password: in production (PRODUCTION) it must be changed at first login.
        user = User(username=username, display_name=self.people.name(
            self.people.rng.random() < 0.6), demo_password=True)
        if password not in self._hashes:  # hash a shared password once, not per user
            user.set_password(password)
            self._hashes[password] = user.password_hash
        user.password_hash = self._hashes[password]
        if role == "helper":  # a fictional work phone, printed on the 明白卡
            user.phone = f"1390412{len(self.accounts):04d}"
        db.session.add(user)
        db.session.add(RoleAssignment(user=user, role=role, jurisdiction=place,
                                      department=department))
        self.accounts.append(Account(username, password, role, place, department))
        self.by_place[(f"sector_{department}" if department else role, place.code)] = user
        return user

    def actor(self, who: str, village: Jurisdiction) -> User:
        """The user who signs as ``who`` for a case from ``village`` (``sector_water``: the
        county sector official of that department)."""
        township, county = village.parent, village.parent.parent
        if who.startswith("sector_"):
            return self.by_place[(who, county.code)]
        role, place = {
            "clerk": ("village_clerk", village), "team": ("work_team", village),
            "helper": ("helper", village), "township": ("township_reviewer", township),
            "county": ("county_poverty_office", county),
            "housing": ("county_housing_bureau", county),
            "leading": ("county_leading_group", county),
            "city": ("city_poverty_office", county.parent),
        }[who]
        return self.by_place[(role, place.code)]


def _build_staff(staff: Staff, city: Jurisdiction, county: Jurisdiction,
                 townships: list[tuple[Jurisdiction, str, list]]) -> None:
    """One user per role per place where that role acts (see DESIGN.md, roles)."""
    for township, login, villages in townships:
        for village, prefix in villages:
            for role, suffix in VILLAGE_ROLES:
                staff.add(f"{prefix}_{suffix}", role, village)
        staff.add(f"{login}_review", "township_reviewer", township)
    for role, suffix in COUNTY_ROLES:
        staff.add(f"xiuyan_{suffix}", role, county)
    for department, suffix in SECTOR_DEPARTMENTS:
        staff.add(f"xiuyan_{suffix}", "county_sector", county, department)
    for role, suffix in CITY_ROLES:
        staff.add(f"anshan_{suffix}", role, city)


# --- the steps of a case --------------------------------------------------------------

def _appraisal(rng: random.Random) -> Callable[[Household, dt.date], dict]:
    """The democratic appraisal form: a majority of the attending representatives agree."""
    def fill(household: Household, day: dt.date) -> dict:
        attendees = rng.randint(24, 45)
        against = rng.randint(0, 2)
        return {"meeting_date": day.isoformat(), "attendees": attendees,
                "votes_for": attendees - against - rng.randint(0, 2), "votes_against": against,
                "minutes": f"村民代表会议对{household.head_name}户脱贫退出进行民主评议，"
                           "多数同意退出"}
    return fill


def _paths(rng: random.Random, village_days: int, township_days: int) -> dict[str, list[Step]]:
    """Each demo variant's history; the case ends in the state its name says."""
    announcements = iter(range(1, 10_000))
    survey = Step((1, 3), "helper", "submit_survey", "已入户核算，收入稳定超过当年贫困线",
                  lambda h, d: survey_values(h, rng.choice(SURVEY_NOTES)))
    appraisal = Step((2, 5), "clerk", "submit_appraisal", "评议通过", _appraisal(rng))
    sign_clerk = Step((1, 2), "clerk", "verify", "经村两委核实，情况属实")
    sign_team = Step((0, 1), "team", "verify", "驻村工作队入户核实无误")
    consent = Step((1, 2), "clerk", "confirm_consent", "户主确认同意退出", lambda h, d: {
        "agreed": True, "method": rng.choice(("scan", "in_person")),
        "confirmed_on": d.isoformat()})
    objection = Step((1, 3), "clerk", "record_village_objection", "", lambda h, d: {
        "content": "反映该户子女在外务工，申报的工资性收入可能偏低", "raised_by": "村民（匿名）"})
    dismiss = Step((1, 2), "clerk", "dismiss_village_objection",
                   "经入户核实，子女务工收入已如实计入，异议不成立")
    close_village = Step((village_days, village_days + 2), "clerk", "close_village_notice",
                         "公示期满无异议，报乡镇审核")

    def review(household: Household, day: dt.date) -> dict:
        return {"files_complete": True, "spot_checked": True}

    approve = Step((2, 4), "township", "township_approve", "档案齐全，入户抽查属实，同意上报",
                   review)
    approve_notice = Step((2, 4), "township", "township_approve_with_notice",
                          "审核通过，进行乡镇公示", review)
    close_township = Step((township_days, township_days + 2), "township",
                          "close_township_notice", "乡镇公示期满无异议，报县审定")
    reject = Step((2, 4), "township", "township_reject",
                  "入户抽查发现家庭经营收入与台账不符，退回重新核算")
    county = Step((2, 5), "county", "county_approve", "经审定，符合退出标准，同意退出")
    announce = Step((1, 3), "county", "announce_strike_off", "已公告并销号", lambda h, d: {
        "announcement_no": f"岫扶公告〔{d.year}〕{next(announcements)}号",
        "announced_on": d.isoformat()})
    city = Step((2, 5), "city", "city_file", "已备案")

    village = [survey, appraisal, sign_clerk, sign_team, consent]
    noticed = [*village, close_village]
    approved = [*noticed, approve, county]
    return {
        "income_survey": [],
        "democratic_appraisal": [survey],
        "village_verification": [survey, appraisal],
        "village_verification_one_signature": [survey, appraisal, sign_clerk],
        "household_consent": village[:4],
        "village_notice": village,
        "village_notice_objection": [*village, objection],
        "township_review": noticed,
        "township_notice": [*noticed, approve_notice],
        "county_approval": [*noticed, approve],
        "announcement": approved,
        "city_filing": [*approved, announce],
        "filed": [*approved, announce, city],
        "returned_by_township": [*noticed, reject],
        "filed_after_township_notice": [*noticed, approve_notice, close_township, county,
                                        announce, city],
        "filed_objection_dismissed": [*village, objection, dismiss, close_village, approve,
                                      county, announce, city],
    }


# Every state at least once (the first 14 households with cases), then a mix.
REQUIRED = ("income_survey", "democratic_appraisal", "village_verification",
            "village_verification_one_signature", "household_consent", "village_notice",
            "village_notice_objection", "township_review", "township_notice",
            "county_approval", "announcement", "city_filing", "filed", "returned_by_township")
MIX = ("filed", "filed_after_township_notice", "filed_objection_dismissed", "city_filing",
       "announcement", "county_approval", "township_review", "village_notice",
       "household_consent", "democratic_appraisal", "income_survey", "filed")


def _office_times(rng: random.Random, steps: list[Step], today: dt.date) -> list[dt.datetime]:
    """Naive-UTC moments for the creation and each step: office hours, China time, ending
    one to three days before ``today`` and never earlier than the history's start."""
    gaps = [rng.randint(*s.gap) for s in steps]
    first = max(today - dt.timedelta(days=rng.randint(1, 3) + sum(gaps)),
                today - dt.timedelta(days=HISTORY_DAYS - 2))
    days = [first]
    for gap in gaps:
        days.append(days[-1] + dt.timedelta(days=gap))
    moments: list[dt.datetime] = []
    for day in days:
        local = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(
            minutes=rng.randint(0, 480))
        if moments and local <= moments[-1]:
            local = moments[-1] + dt.timedelta(minutes=rng.randint(10, 90))
        moments.append(local)
    return [m - dt.timedelta(hours=8) for m in moments]  # China time → UTC


def _drive(rng: random.Random, staff: Staff, plans: list[tuple[Household, str]],
           today: dt.date) -> None:
    """Create and advance every planned case, all steps interleaved in time order, the
    last ones a day or more before the real ``today``."""
    definition = store.current(PROCEDURE)
    states = definition.states
    paths = _paths(rng, notice_days(states["village_notice"]["notice"]),
                   notice_days(states["township_notice"]["notice"]))
    timeline = []
    for number, (_household, variant) in enumerate(plans):
        steps = paths[variant]
        for index, when in enumerate(_office_times(rng, steps, today)):
            timeline.append((when, number, index))
    timeline.sort()
    cases: dict[int, Case] = {}
    for when, number, index in timeline:
        household, variant = plans[number]
        clock.travel(when - clock.utcnow())
        village = household.village
        if index == 0:
            starter = staff.actor(rng.choice(("clerk", "helper")), village)
            cases[number] = create_case(PROCEDURE, household.id, starter)
            continue
        step = paths[variant][index - 1]
        case = cases[number]
        data = step.data(household, clock.today()) if step.data else None
        try:
            perform(case, step.action, staff.actor(step.who, village), version=case.version,
                    opinion=step.opinion, data=data)
        except WorkflowError as exc:
            raise click.ClickException(
                f"演示案件 {case.id}（{variant}）在“{step.action}”失败：{exc.message} "
                f"{exc.errors}") from exc


# --- the command ----------------------------------------------------------------------

def seed(households: int = 50) -> list[str]:
    """Fill an empty database with the demo; returns the lines to print (passwords too)."""
    if households < len(REQUIRED):
        raise click.ClickException(
            f"至少需要 {len(REQUIRED)} 户才能覆盖每个环节 (need at least {len(REQUIRED)} "
            "households to have a case in every state)")
    try:
        has_places = db.session.execute(db.select(Jurisdiction.id).limit(1)).first()
    except SQLAlchemyError as exc:
        raise click.ClickException(
            "数据库尚未建表，请先运行 flask --app wsgi db upgrade (the schema is missing; "
            "run `flask --app wsgi db upgrade` first)") from exc
    if has_places:
        raise click.ClickException(
            "数据库中已有地区数据，演示数据只能写入空数据库 (the database already has "
            "places; demo seed runs only once, on an empty database)")
    rng = random.Random(2020)  # the same households every time; passwords stay random
    people = People(rng)
    city, county, townships = _build_places()
    staff = Staff(people)
    _build_staff(staff, city, county, townships)
    villages = [v for _, _, vs in townships for v, _ in vs]
    with_cases = min(households, max(len(REQUIRED), households * 7 // 10))
    register = [make_household(people, villages[i % len(villages)], i, ready=i < with_cases)
                for i in range(households)]
    db.session.commit()
    # Poverty lines to the current year (demo values after 2020), by the city administrator.
    settings_count = seed_settings(staff.by_place[("admin", city.code)])
    plans = [(h, REQUIRED[i] if i < len(REQUIRED) else MIX[i % len(MIX)])
             for i, h in enumerate(register[:with_cases])]
    today = clock.today()
    clock.travel(-dt.timedelta(days=HISTORY_DAYS))
    try:
        _drive(rng, staff, plans, today)
        renovations = seed_houses(rng, staff.actor, register[-len(HOUSE_STOPS):])
        projects = seed_projects(staff.actor, villages)
        village_case = seed_village_exit(staff.actor, villages[0])
        exited = [h for h in register if h.status == "exited"]
        monitoring_case = seed_monitoring(staff.actor, (exited or register)[0])
    finally:
        clock.reset()
    zhuanghe = seed_zhuanghe(staff, people)  # after Xiuyan's: its random draws stay the same
    measures = seed_support(staff.actor, register)  # draws nothing random
    progress = seed_progress(staff.actor, register)  # nor this
    return _report(staff, register) + zhuanghe + [
        f"危房改造案件 / {HOUSE_PROCEDURE} cases: {renovations}",
        f"扶贫项目 / projects: {projects}（资金来源：岫岩县 1500 万元、台安县 1000 万元）",
        f"贫困村退出 / village_exit: 案件 {village_case}（待乡镇核查）",
        f"防返贫监测 / monitoring_entry: 案件 {monitoring_case}（待入户核实）",
        f"帮扶措施 / support measures: {measures} 条（/support/board）",
        f"帮扶进展 / monthly progress: {progress} 条（/progress/board；质量目标跟踪：鞍山市 "
        "3,482 户、7,979 人）",
        f"参数设置 / settings: {settings_count} 项（贫困线、监测标准至今年；2021 年后除监测标准"
        "外为演示数值）"]


def _report(staff: Staff, register: list[Household]) -> list[str]:
    """Header, the table of logins, and what was created."""
    definition = store.current(PROCEDURE)
    width = max(len(a.password) for a in staff.accounts)
    lines = ["演示数据已生成：鞍山市 > 岫岩满族自治县；大连市 > 庄河市 (demo data created; people "
             "and village names of 庄河市 are fictional)",
             f"所有用户的密码取自 {PASSWORD_ENV} (every user has the password from "
             f"{PASSWORD_ENV})" if staff.shared else
             "用户与密码（仅显示这一次）/ users and passwords (shown only now):",
             f"  {'username':<20} {'password':<{width}} {'role':<24} place"]
    for a in staff.accounts:
        lines.append(f"  {a.username:<20} {a.password:<{width}} {a.role:<24} "
                     f"{a.place.code} {a.place.name}（{role_title(a.role, a.department)}）")
    levels = Counter(level for (level,) in db.session.execute(db.select(Jurisdiction.level)))
    states = Counter(state for (state,) in db.session.execute(
        db.select(Case.state).where(Case.procedure == PROCEDURE)))
    exited = sum(1 for h in register if h.status == "exited")
    members = sum(len(h.members) for h in register)
    lines += ["", "地区 / places: " + ", ".join(f"{k} {levels[k]}" for k in
                                                ("city", "county", "township", "village")),
              f"农户 / households: {len(register)} (成员 {members} 人, "
              f"已脱贫销号 {exited} 户)",
              f"案件 / {PROCEDURE} cases: {sum(states.values())}"]
    for state in definition.states:
        lines.append(f"  {state:<22} {states.get(state, 0):>4}  {definition.state_title(state)}")
    return lines
