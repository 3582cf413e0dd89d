"""What a user's roles can start, and where: the to-do page's empty message suggests
only what the user may actually start (a sector department starts nothing)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from workflow.auth.models import READ_ONLY_ROLES, User
from workflow.engine import store

# The page each procedure is started from (endpoint, its title in the top bar).
START_PAGES = {
    "household_exit": ("cases.households", "农户"),
    "monitoring_entry": ("monitoring.page", "防返贫监测"),
    "risk_removal": ("monitoring.page", "防返贫监测"),
    "house_renovation": ("housing.houses", "危房改造"),
    "village_exit": ("villages.village_list", "贫困村退出"),
    "project_library": ("projects.project_list", "项目库"),
    "project_removal": ("projects.project_list", "项目库"),
    "fund_use": ("projects.project_list", "项目库"),
    "problem_rectification": ("problems.new", "问题整改"),
}
SUBJECT_PAGES = {"household": START_PAGES["household_exit"],
                 "house": START_PAGES["house_renovation"],
                 "village": START_PAGES["village_exit"],
                 "project": START_PAGES["project_library"],
                 "problem": START_PAGES["problem_rectification"]}


@dataclass
class StartPage:
    """A page where the user can start cases, with the procedures started there."""

    title: str
    url: str
    procedures: list[str]


def start_pages(user: User) -> list[StartPage]:
    """The pages where ``user``'s roles can start a procedure, in catalog order."""
    # An auditor opens a rectification only from a confirmed finding, not from a page.
    roles = {a.role for a in user.assignments} - READ_ONLY_ROLES
    pages: dict[str, StartPage] = {}
    for key, definition in store.catalog().procedures.items():
        proc = definition.body["procedure"]
        if not roles & set(proc["start_roles"]):
            continue
        endpoint, title = START_PAGES.get(key) or SUBJECT_PAGES.get(
            proc["subject"], START_PAGES["household_exit"])
        page = pages.setdefault(endpoint, StartPage(title, url_for(endpoint), []))
        page.procedures.append(definition.title)
    return list(pages.values())
