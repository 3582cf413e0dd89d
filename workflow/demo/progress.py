"""Demo monthly progress (帮扶进展): the last few months of this year for the demo's
registered-poor and exited households, entered by each village's helper through the
same operation as the page, each on the clock of the 25th of its month (today for this
month), so the board shows households below the line, reaching it month by month
(本月达标), and out households at and below the quality bar; their trail verifies."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from workflow import clock
from workflow.progress import operations as ops
from workflow.registry.models import Household

MONTHS = 4
# Per household: the month (counted from the first seeded one) its per-capita income so
# far reaches the line; None never this year. Exited households: their annual per-capita
# income as a share of the quality bar (below 1: tracked as below it).
REACH = (1, 2, 3, 4, None, 2, 3, None)
SHARE = ("0.8", "1.4", "0.95", "1.8", "0.7", "1.2")
NOTES = ("养殖肉牛增收", "公益岗位工资按月发放", "外出务工收入稳定", "庭院经济起步",
         "医疗救助已报销", "技能培训后就业")


def seed_progress(actor: Callable[[str, object], object], register: list[Household],
                  limit: int = 16) -> int:
    """Entries for up to ``limit`` households over the last ``MONTHS`` months of this
    year (fewer in its first months); returns how many."""
    today = clock.today()
    first = max(1, today.month - MONTHS + 1)
    line = ops.line_and_bar(register[0].jurisdiction_path, today.year)[0]
    bar = ops.line_and_bar(register[0].jurisdiction_path, today.year)[1]
    chosen = [h for h in register if h.status in ("registered_poor", "exited")][:limit]
    count = 0
    try:
        for month in range(first, today.month + 1):
            day = today if month == today.month else dt.date(today.year, month, 25)
            clock.reset()
            clock.travel(clock.day_start(day) + dt.timedelta(hours=2) - clock.utcnow())
            for i, household in enumerate(chosen):
                size = household.size
                if household.status == "exited":
                    annual = bar * Decimal(SHARE[i % len(SHARE)])
                    per_capita = annual * month / 12
                else:
                    reach = REACH[i % len(REACH)]
                    to_reach = (first - 1 + reach) if reach else 14
                    per_capita = line * month / to_reach
                ops.record_progress(household.id, {
                    "year": today.year, "month": month,
                    "income_to_date": str((per_capita * size).quantize(ops.CENT)),
                    "household_size": size, "note": NOTES[(i + month) % len(NOTES)]},
                    actor("helper", household.village))
                count += 1
    finally:
        clock.reset()
    return count
