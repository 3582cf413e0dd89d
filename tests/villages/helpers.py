"""Zhuanghe test places loaded through the places import, and register figures a
low-income village's exit is computed from (income per person, houses)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.factories import make_household, make_user
from workflow.audit import admin
from workflow.extensions import db
from workflow.housing.models import House, HouseAppraisal
from workflow.jurisdictions.models import Jurisdiction
from workflow.jurisdictions.operations import import_places
from workflow.registry.models import IncomeRecord

# A small division file as 庄河市 would load it (village names fictional).
DIVISIONS = """区划代码,名称,级别,上级代码,备注
210200000000,大连市,市,,
210283000000,庄河市,县,210200000000,
210283101000,青堆镇,乡镇,210283000000,
210283101201,示例沙河村,村,210283101000,虚构村名
210283101202,示例石桥村,村,210283101000,虚构村名
"""
ZHUANGHE_OK = {"year": 2019, "rural_population": 820,
               "dibao_coverage": "100", "dibao_coverage_evidence": "低保对象花名册",
               "road_access": "100", "road_access_evidence": "通屯道路验收单",
               "safe_water": "99.2", "safe_water_evidence": "饮水安全检测报告",
               "medical_insurance": "99.6", "medical_insurance_evidence": "参保名册",
               "public_services": True, "public_services_evidence": "公共服务设施台账",
               "sanitation": True, "sanitation_evidence": "人居环境整治验收表",
               "signature_product": True, "signature_product_evidence": "蓝莓合作社章程"}


def zhuanghe_places() -> dict[str, Jurisdiction]:
    """大连市 > 庄河市 > 青堆镇 > two villages, through the division import, and a user per
    role: zh_clerk (示例沙河村), zh_town, zh_county, zh_city."""
    report = import_places("zhuanghe.csv", DIVISIONS.encode(), admin.cli_actor())
    assert not report.problems, report.problems
    found = {p.code: p for p in db.session.execute(db.select(Jurisdiction).where(
        Jurisdiction.path.startswith("/210200/"))).scalars()}
    places = {"city": found["210200"], "county": found["210283"],
              "town": found["210283101"], "village": found["210283101201"],
              "other_village": found["210283101202"]}
    make_user("zh_clerk", ("village_clerk", places["village"]), name="沙河村文书")
    make_user("zh_town", ("township_reviewer", places["town"]), name="青堆镇审核")
    make_user("zh_county", ("county_poverty_office", places["county"]), name="庄河市扶贫办")
    make_user("zh_city", ("city_poverty_office", places["city"]), name="大连市扶贫办")
    db.session.commit()
    return places


def incomes(village: Jurisdiction, per_person: int, year: int = 2019) -> None:
    """Two households (3 and 2 people) whose incomes give exactly ``per_person`` yuan
    per person for ``year``: Σ income ÷ Σ people."""
    for name, size in (("刘福", 3), ("陈喜", 2)):
        household = make_household(village, name, size=size)
        household.incomes.append(IncomeRecord(
            year=year, wages=Decimal(per_person * size - 1000), farm_net=Decimal(600),
            transfers=Decimal(400), household_size=size))
    db.session.commit()


def unsafe_house(village: Jurisdiction, appraiser) -> House:
    """A household of the village living in a house appraised D, not renovated."""
    household = make_household(village, "危房户", size=1)
    house = House(household=household, address="一组", structure="earth", area=Decimal(40),
                  village=village, jurisdiction_path=village.path)
    db.session.add(house)
    db.session.flush()
    db.session.add(HouseAppraisal(house_id=house.id, grade="D", appraised_on=dt.date(2019, 5, 1),
                                  appraiser="县住建局", certificate_no="庄危鉴〔2019〕1号",
                                  recorded_by_id=appraiser.id))
    db.session.commit()
    return house
