"""Demo village exit and return-to-poverty monitoring: one case of each, waiting on the
township and on the village, so a newcomer sees every procedure in the lists."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from workflow import clock
from workflow.cases.operations import create_case, perform
from workflow.evidence.operations import attach
from workflow.evidence.samples import blank_pdf
from workflow.jurisdictions.models import Jurisdiction
from workflow.registry.models import Household
from workflow.villages.rules import poor_people

ALERT = {"source": "cadre_visit", "risk": "illness",
         "description": "户主突发重病住院，医疗支出大，家庭收入明显下降"}


def seed_village_exit(actor: Callable[[str, Jurisdiction], object],
                      village: Jurisdiction) -> int:
    """A village_exit case past the self-assessment, waiting for the township check."""
    clock.reset()
    clock.travel(-dt.timedelta(days=12))
    clerk = actor("clerk", village)
    case = create_case("village_exit", village.id, clerk)
    for kind in ("indicator_evidence", "population_statistics"):
        attach(case, kind, blank_pdf(), f"{kind}.pdf", None, clerk)
    clock.travel(dt.timedelta(days=2))
    # The incidence is computed from the register; the population keeps it under 2 %.
    population = max(600, poor_people(village.id) * 80)
    perform(case, "submit_self_assessment", clerk, opinion="各项指标达到退出标准，申请退出",
            data={"year": clock.today().year, "rural_population": population,
                  "safe_water": "100", "safe_housing": "100", "medical_insurance": "100",
                  "notes": "贫困发生率由系统按建档立卡数据计算"})
    return case.id


def seed_monitoring(actor: Callable[[str, Jurisdiction], object],
                    household: Household) -> int:
    """A monitoring_entry case opened from a cadre's visit, waiting for the home check."""
    clock.reset()
    clock.travel(-dt.timedelta(days=3))
    clerk = actor("clerk", household.village)
    case = create_case("monitoring_entry", household.id, clerk)
    perform(case, "record_alert", clerk, data=ALERT, opinion="走访发现，纳入监测排查")
    return case.id
