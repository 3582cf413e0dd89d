"""Demo support measures: causes of poverty and a few measures (industry, insurance,
public posts) for the registered-poor households of the demo, entered by each
village's helper through the same operations as the pages, so their trail verifies."""
from __future__ import annotations

from collections.abc import Callable

from workflow import clock
from workflow.registry import edits
from workflow.registry.models import Household
from workflow.support import operations as ops

CAUSES = ("illness", "disability", "no_skills", "no_capital", "no_labour")
MEASURES = (("industry_award", "agriculture", "1500.00"),
            ("medical_insurance", "health", "280.00"),
            ("public_post", "human_resources", "6000.00"))


def seed_support(actor: Callable[[str, object], object], register: list[Household],
                 limit: int = 8) -> int:
    """Causes and measures for up to ``limit`` registered-poor households; the count."""
    year = clock.today().year
    count = 0
    poor = [h for h in register if h.status == "registered_poor"][:limit]
    for i, household in enumerate(poor):
        helper = actor("helper", household.village)
        edits.edit_household(household.id, {"version": household.version,
                                            "main_cause": CAUSES[i % len(CAUSES)]}, helper)
        for kind, department, amount in MEASURES[:1 + i % len(MEASURES)]:
            ops.add_measure(household.id, {"kind": kind, "department": department,
                                           "starts_on": f"{year}-01-01", "amount": amount},
                            helper)
            count += 1
    return count
