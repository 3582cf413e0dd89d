"""The demo's settings: a poverty line for every year up to the current one and the
monitoring thresholds from 2021, recorded through ``set_setting`` by the city
administrator (so they are on the administration trail like any other value).

2016-2020 are the national figures (the defaults in workflow/config.py); figures after
2020 are demo values except the national monitoring threshold for 2021 (6,000 yuan per
person), and say so in their document and reason."""
from __future__ import annotations

from flask import current_app

from workflow import clock
from workflow.auth.models import User
from workflow.settings.operations import set_setting

DEMO = "演示数据，非官方数值"
NATIONAL_LINE = "国家现行扶贫标准（2010 年不变价 2300 元）当年数值"
NATIONAL_THRESHOLD = "国家 2021 年防止返贫监测范围（人均纯收入 6000 元）"
# Demo values, not official ones: after 2020 the line rises 100 yuan a year from the
# 2020 standard, the monitoring threshold 300 yuan a year from the national 6,000.
LINE_STEP, THRESHOLD_2021, THRESHOLD_STEP = 100, 6000, 300
ANSHAN, ANSHAN_PLAN = "210300", "鞍山市脱贫攻坚实施方案（3,482 户 7,979 人），演示数据"
ANSHAN_BELOW_BAR = (3482, 7979)


def seed_settings(actor: User) -> int:
    """Record the demo's lines and thresholds installation-wide; returns how many."""
    this_year = clock.today().year
    national = current_app.config["POVERTY_LINES"]
    last = max(national)
    values = []
    for year in range(min(national), this_year + 1):
        if year in national:
            values.append(("poverty_line", year, national[year], NATIONAL_LINE,
                           "国家公布的年度贫困线"))
        else:
            values.append(("poverty_line", year, national[last] + LINE_STEP * (year - last),
                           DEMO, DEMO))
    for year in range(2021, this_year + 1):
        if year == 2021:
            values.append(("monitoring_threshold", year, THRESHOLD_2021, NATIONAL_THRESHOLD,
                           "国家公布的 2021 年监测标准"))
        else:
            values.append(("monitoring_threshold", year,
                           THRESHOLD_2021 + THRESHOLD_STEP * (year - 2021), DEMO, DEMO))
    for key, year, value, document, reason in values:
        set_setting(actor, key, value, year=year, document=document, reason=reason)
    # The Anshan plan's households and people out of poverty but under 5,000 yuan, as the
    # city's targets of the quarterly quality tracking (帮扶进展) this year.
    targets = (("progress_quality_target.households", ANSHAN_BELOW_BAR[0]),
               ("progress_quality_target.people", ANSHAN_BELOW_BAR[1]))
    for key, value in targets:
        set_setting(actor, key, value, year=this_year, place=ANSHAN, document=ANSHAN_PLAN,
                    reason="已脱贫但人均纯收入低于 5000 元的户数、人数（季调度、季报告）")
    return len(values) + len(targets)
