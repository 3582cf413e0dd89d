"""The Zhuanghe part of the demo: 大连市 > 庄河市 > its real subdistricts and townships >
55 low-income villages (fictional names, marked 演示用虚构村名 in the file's 备注 column,
which the division import ignores), loaded through the places import and designated
低收入村 by 庄河市's administrator from a file of codes and plan years (12 in 2018, 39 by
2019, all 55 by 2020: the plan's 20 % / 70 % / 100 %), with demo households in the first
villages and one user per role."""
from __future__ import annotations

from pathlib import Path

import click

from workflow.audit import admin
from workflow.demo.people import People, make_household
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.operations import import_places
from workflow.villages.operations import import_designations

PLACES_FILE = Path(__file__).with_name("places_zhuanghe.csv")
DESIGNATIONS_FILE = Path(__file__).with_name("low_income_zhuanghe.csv")
DOCUMENT = "庄委办发〔2019〕59号"
CITY, COUNTY = "210200", "210283"
# Villages with staff and households: (village code, login prefix); their townships get a
# reviewer each (青堆镇 qingdui, 徐岭镇 xuling).
STAFFED = (("210283101201", "zh_wjg"), ("210283102201", "zh_ljt"))
TOWNSHIP_LOGINS = {"210283101": "zh_qingdui", "210283102": "zh_xuling"}
HOUSEHOLDS_PER_VILLAGE = 4
VILLAGE_ROLES = (("village_clerk", "clerk"), ("work_team", "team"), ("helper", "helper"))
COUNTY_ROLES = (("county_poverty_office", "fpb"), ("county_housing_bureau", "zjj"),
                ("county_leading_group", "ldxz"), ("auditor", "audit"), ("admin", "admin"))
CITY_ROLES = (("city_poverty_office", "fpb"), ("auditor", "audit"), ("admin", "admin"))


def seed_zhuanghe(staff, people: People) -> list[str]:
    """Load the places, designate the 55, add users and households; the report lines.
    ``staff`` is seed.Staff (users are printed with the others)."""
    report = import_places(PLACES_FILE.name, PLACES_FILE.read_bytes(), admin.cli_actor())
    if report.problems:
        raise click.ClickException("；".join(report.problems))
    found = {p.code: p for p in db.session.execute(db.select(Jurisdiction).where(
        Jurisdiction.path.startswith(f"/{CITY}/"))).scalars()}
    city, county = found[CITY], found[COUNTY]
    for role, suffix in CITY_ROLES:
        staff.add(f"dalian_{suffix}", role, city)
    for role, suffix in COUNTY_ROLES:
        staff.add(f"zhuanghe_{suffix}", role, county)
    for code, login in TOWNSHIP_LOGINS.items():
        staff.add(f"{login}_review", "township_reviewer", found[code])
    villages = [found[code] for code, _ in STAFFED]
    for village, (_, prefix) in zip(villages, STAFFED, strict=True):
        for role, suffix in VILLAGE_ROLES:
            staff.add(f"{prefix}_{suffix}", role, village)
    households = [make_household(people, village, 1, ready=True)  # 1: no rare name
                  for village in villages for _ in range(HOUSEHOLDS_PER_VILLAGE)]
    db.session.commit()
    designations = import_designations(DESIGNATIONS_FILE.name, DESIGNATIONS_FILE.read_bytes(),
                                       DOCUMENT, staff.by_place[("admin", county.code)])
    if designations.problems:
        raise click.ClickException("；".join(designations.problems))
    levels = {lv: sum(1 for p in found.values() if p.level == lv)
              for lv in ("township", "village")}
    return [f"庄河市 / Zhuanghe: 乡镇街道 {levels['township']} 个，低收入村 "
            f"{designations.designated} 个（{DOCUMENT}；村名为演示虚构），"
            f"演示农户 {len(households)} 户"]
