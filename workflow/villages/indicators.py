"""The village exit indicators: profiles loaded from profiles.yaml (checked on load), and
the figures the register gives (computed, never typed):

- 人均可支配收入 of a year = Σ the year's household income (wages, farming, business,
  property, transfers) ÷ Σ the household sizes recorded with those incomes, over the
  village's households in the register; none recorded for the year: not computable.
- 安全住房比例 = households of the village whose house is not a C/D-appraised house still
  waiting for renovation ÷ the village's households, in percent. A house appraised C or D
  (latest appraisal) counts as unsafe until its renovation case passed inspection (state
  payment, archiving or archived); a household without a house record counts as safe.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import func, select

from workflow.cases.models import Case
from workflow.extensions import db
from workflow.housing.models import House, HouseAppraisal
from workflow.registry.models import INCOME_KINDS, Household, IncomeRecord

PROFILES_FILE = Path(__file__).with_name("profiles.yaml")
OPS = ("<", ">=", "yes")
SOURCES = {"register": "系统按登记数据计算", "entered": "村级填报（附佐证材料）"}
RENOVATED_STATES = ("payment", "archiving", "archived")
UNSAFE_GRADES = ("C", "D")


def number(value: Decimal) -> str:
    """13999 -> "13,999", 97.50 -> "97.5": as officials write figures."""
    text = f"{Decimal(value).normalize():,f}"
    return text


@dataclass(frozen=True)
class Bar:
    """One indicator's bar: ``op`` is "<", ">=" or "yes"; ``source`` register|entered."""

    key: str
    title: str
    op: str
    value: Decimal | None = None
    unit: str = ""
    source: str = "entered"
    evidence: bool = False

    def shown(self, actual) -> str:
        """The value as printed: 「13,999 元」, 「97.9%」, 「是」/「否」, 「未填写」."""
        if self.op == "yes":
            return "是" if actual else "否"
        return "未填写" if actual is None else f"{number(actual)}{self.unit}"

    def describe(self) -> str:
        if self.op == "yes":
            return "达标"
        return f"{'低于' if self.op == '<' else '不低于'} {number(self.value)}{self.unit}"

    @property
    def source_title(self) -> str:
        return SOURCES[self.source]

    def met(self, actual) -> bool:
        if self.op == "yes":
            return bool(actual)
        if actual is None:
            return False
        return actual < self.value if self.op == "<" else actual >= self.value

    def failure(self, actual, profile_title: str) -> str:
        """「人均可支配收入 13,999 元，未达到 14,000 元（庄河市低收入村退出标准）」."""
        if self.op == "yes":
            return f"「{self.title}」未达标（{profile_title}）"
        if actual is None and self.source == "register":
            return (f"「{self.title}」无法由登记数据计算：本村登记数据中没有可计算的记录"
                    f"（{profile_title}要求{self.describe()}）")
        if actual is None:
            return f"「{self.title}」未填写（{profile_title}要求{self.describe()}）"
        if self.op == "<":
            return (f"「{self.title} {self.shown(actual)}，未低于 {number(self.value)}"
                    f"{self.unit}」（{profile_title}）")
        return (f"「{self.title} {self.shown(actual)}，未达到 {number(self.value)}"
                f"{self.unit}」（{profile_title}）")


def load_profiles(path: Path = PROFILES_FILE) -> dict[str, tuple[str, list[Bar]]]:
    """Read and check the profiles; a malformed file stops the application at start."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "national" not in raw:
        raise ValueError(f"{path.name}: a mapping of profiles including 'national'")
    profiles = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not spec.get("title") or not spec.get("bars"):
            raise ValueError(f"{path.name}: profile {name} needs a title and bars")
        bars, keys = [], set()
        for item in spec["bars"]:
            unknown = set(item) - {"key", "title", "op", "value", "unit", "source", "evidence"}
            if unknown or item.get("op") not in OPS or item.get("source") not in SOURCES:
                raise ValueError(f"{path.name}: {name} bar {item!r}: bad op/source/field")
            if item["key"] in keys or not item.get("title"):
                raise ValueError(f"{path.name}: {name} bar {item['key']}: repeated or untitled")
            if (item["op"] == "yes") != (item.get("value") is None):
                raise ValueError(f"{path.name}: {name} bar {item['key']}: value iff not yes")
            keys.add(item["key"])
            value = item.get("value")
            bars.append(Bar(item["key"], item["title"], item["op"],
                            None if value is None else Decimal(str(value)),
                            item.get("unit", ""), item["source"], bool(item.get("evidence"))))
        profiles[name] = (spec["title"], bars)
    return profiles


def per_capita_income(village_id: int, year: int) -> Decimal | None:
    """人均可支配收入 of ``year`` from the register (see the module docstring)."""
    total = sum((func.coalesce(getattr(IncomeRecord, k), 0) for k in INCOME_KINDS),
                start=0)
    income, people = db.session.execute(
        select(func.sum(total), func.sum(IncomeRecord.household_size))
        .join(Household, Household.id == IncomeRecord.household_id)
        .where(Household.village_id == village_id, IncomeRecord.year == year)).one()
    if not people:
        return None
    return (Decimal(income) / Decimal(people)).quantize(Decimal("0.01"))


def unsafe_houses(village_id: int) -> int:
    """Households of the village with a C/D house not yet renovated (see the docstring)."""
    latest = (select(HouseAppraisal.house_id, func.max(HouseAppraisal.id).label("last"))
              .group_by(HouseAppraisal.house_id).subquery())
    renovated = select(Case.subject_id).where(
        Case.procedure == "house_renovation", Case.subject_type == "house",
        Case.state.in_(RENOVATED_STATES))
    return db.session.execute(
        select(func.count(func.distinct(House.household_id)))
        .join(latest, latest.c.house_id == House.id)
        .join(HouseAppraisal, HouseAppraisal.id == latest.c.last)
        .where(House.village_id == village_id, HouseAppraisal.grade.in_(UNSAFE_GRADES),
               House.id.not_in(renovated))).scalar_one()


def safe_housing(village_id: int) -> Decimal | None:
    """安全住房比例 in percent from the register and the renovation register."""
    households = db.session.execute(select(func.count(Household.id)).where(
        Household.village_id == village_id)).scalar_one()
    if not households:
        return None
    safe = households - unsafe_houses(village_id)
    return (Decimal(safe) * 100 / households).quantize(Decimal("0.01"))


COMPUTED = {"per_capita_income": per_capita_income,
            "safe_housing": lambda village_id, _year: safe_housing(village_id)}
