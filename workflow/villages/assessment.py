"""A village exit case's indicators as pages and the sheet print them: each bar of the
profile with the value (computed from the register or entered with its evidence), the bar,
the source and whether it is met, from the same values the exit guard checks."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from workflow.cases.applied import reader
from workflow.cases.models import Case
from workflow.jurisdictions.models import Jurisdiction
from workflow.villages.rules import ASSESSMENT, indicator_values, profile_for


@dataclass(frozen=True)
class Row:
    title: str
    value: str
    bar: str
    source: str
    met: bool


def indicator_rows(village: Jurisdiction, case: Case) -> tuple[str, list[Row]]:
    """The profile's title and one row per indicator; no rows before the self-assessment."""
    title, bars = profile_for(village, reader(village.path), case.year)
    entered = case.data.get(ASSESSMENT)
    if not entered:
        return title, []
    values = indicator_values(SimpleNamespace(subject=village,
                                              step_values=lambda name: case.data.get(name, {})))
    rows = []
    for bar in bars:
        actual = values.get(bar.key)
        source = bar.source_title
        evidence = str(entered.get(f"{bar.key}_evidence") or "").strip()
        if bar.source == "entered" and evidence:
            source = f"村级填报，佐证材料：{evidence}"
        rows.append(Row(bar.title, bar.shown(actual), bar.describe(), source, bar.met(actual)))
    return title, rows
