"""Fictional people for the demo: names, valid ID numbers, households with 2019 incomes.

Every person here is invented; the ID numbers are well formed (GB 11643 check digit) and
carry the county's region code, the birth date and a sex-consistent serial.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry.models import INCOME_KINDS, Household, IncomeRecord, Member
from workflow.registry.schemas import ID_CHECK, ID_WEIGHTS

INCOME_YEAR = 2019
SURNAMES = "王李张刘陈杨赵孙于关佟白吴周徐马郭宋韩高"
MALE_GIVEN = ("建国", "德福", "振江", "国庆", "春生", "海波", "立军", "宝山", "长顺", "永发",
              "富贵", "树林", "志强", "玉林", "庆余", "连成")
FEMALE_GIVEN = ("秀兰", "桂芝", "玉珍", "淑芬", "凤霞", "丽娟", "金凤", "春梅", "秀云", "淑珍",
                "桂香", "红梅")
CHILD_MALE = ("浩然", "子轩", "宇航", "俊杰", "明轩", "博文", "天佑", "文博")
CHILD_FEMALE = ("欣怡", "梓涵", "诗琪", "雨桐", "佳怡", "思雨", "若汐", "紫萱")
# Heads whose names need characters outside GB2312 (DOMAIN.md), with their sex.
RARE_HEADS = (("刘𠮷昌", True), ("王堃", True), ("张喆", True), ("李赟华", True),
              ("赵玥", False), ("孙昇平", True), ("陈㛃", False))
RARE_EVERY = 7  # one household in seven has a rare-character head


def id_number(region: str, birth: dt.date, serial: int) -> str:
    """An 18-digit resident ID number with a valid check digit (GB 11643)."""
    body = f"{region}{birth:%Y%m%d}{serial:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


class People:
    """Makes names and unique ID numbers from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def id_for(self, region: str, birth: dt.date, male: bool) -> str:
        """A number not handed out before; the serial's last digit is odd for men."""
        while True:
            number = id_number(region, birth, self.rng.randrange(0, 500) * 2 + int(male))
            if number not in self.used:
                self.used.add(number)
                return number

    def birth(self, first: int, last: int) -> dt.date:
        return dt.date(self.rng.randint(first, last), self.rng.randint(1, 12),
                       self.rng.randint(1, 28))

    def name(self, male: bool, surname: str | None = None, child: bool = False) -> str:
        given = (CHILD_MALE if male else CHILD_FEMALE) if child else (
            MALE_GIVEN if male else FEMALE_GIVEN)
        return (surname or self.rng.choice(SURNAMES)) + self.rng.choice(given)

    def head(self, index: int) -> tuple[str, bool]:
        """The head's name and sex; every ``RARE_EVERY``-th one uses a rare character."""
        if index % RARE_EVERY == 2:
            return RARE_HEADS[(index // RARE_EVERY) % len(RARE_HEADS)]
        male = self.rng.random() < 0.8
        return self.name(male), male


def _members(people: People, village: Jurisdiction, head: str, male: bool,
             size: int) -> list[Member]:
    rng, region = people.rng, village.code[:6]
    head_birth = people.birth(1950, 1982)
    members = [Member(name=head, relation="户主",
                      id_number=people.id_for(region, head_birth, male))]
    spouse_birth = people.birth(head_birth.year - 4, min(head_birth.year + 4, 1985))
    members.append(Member(name=people.name(not male), relation="配偶",
                          id_number=people.id_for(region, spouse_birth, not male)))
    family = head[0] if male else people.rng.choice(SURNAMES)
    for _ in range(size - 2):
        son = rng.random() < 0.5
        birth = people.birth(max(head_birth.year + 20, 1975), min(head_birth.year + 38, 2012))
        members.append(Member(name=people.name(son, family, child=True),
                              relation="子" if son else "女",
                              id_number=people.id_for(region, birth, son)))
    return members


def _income(rng: random.Random, household: Household, size: int, ready: bool) -> IncomeRecord:
    """2019 income by type; ``ready`` households are comfortably above that year's line."""
    per_capita = rng.uniform(4300, 9500) if ready else rng.uniform(2600, 4800)
    total = Decimal(per_capita * size).quantize(Decimal("1"))
    shares = {"wages": rng.uniform(0.35, 0.55), "farm_net": rng.uniform(0.15, 0.3),
              "business_net": rng.choice((0, 0, 0.05, 0.1)), "property_income": 0.02}
    amounts = {k: (total * Decimal(str(round(v, 3)))).quantize(Decimal("1"))
               for k, v in shares.items()}
    amounts["transfers"] = total - sum(amounts.values())
    return IncomeRecord(household=household, year=INCOME_YEAR, household_size=size, **amounts)


def make_household(people: People, village: Jurisdiction, index: int,
                   ready: bool) -> Household:
    """A registered poor household of 2-5 members with its 2019 income (not committed)."""
    rng = people.rng
    head, male = people.head(index)
    size = rng.choice((2, 3, 3, 4, 4, 5))
    members = _members(people, village, head, male, size)
    household = Household(
        head_name=head, id_number=members[0].id_number, village=village,
        jurisdiction_path=village.path, status="registered_poor", members=members,
        address=f"{village.parent.name}{village.name}{rng.randint(1, 9)}组",
        registered_year=rng.choice((2014, 2015, 2016)))
    _income(rng, household, size, ready)
    db.session.add(household)
    return household


def survey_values(household: Household, note: str) -> dict:
    """The income survey form, filled in from the household's 2019 register record."""
    record = household.income_for(INCOME_YEAR)
    values = {k: str(getattr(record, k)) for k in INCOME_KINDS}
    return {"year": INCOME_YEAR, "household_size": len(household.members), **values,
            "food_clothing_secure": True, "compulsory_education": True,
            "medical_insured": True, "housing_safe": True, "safe_water": True, "notes": note}
