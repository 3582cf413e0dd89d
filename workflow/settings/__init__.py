"""Settings by year and place (settings store): policy figures an administrator sets
per year or effective date and per place, each with its document (文号), on the
administration trail; the defaults a fresh install starts from stay in workflow/config.py.

``lookup(key, place=..., year=..., on=...)`` is what guards, pages and sheets read;
``who_can_set(key, place)`` names whom to ask when a value is missing.
"""
from __future__ import annotations

from workflow.settings.admins import who_can_set
from workflow.settings.lookup import Applied, lookup

__all__ = ["Applied", "lookup", "who_can_set"]
