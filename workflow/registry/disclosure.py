"""Who gets personal data in full in an exported file; everyone else gets it masked.

Pages never show full ID numbers or bank accounts. Files are different: a roster that is
corrected and imported again is keyed by the head's ID number, and subsidies are paid
into the household's own 一卡通 account. The one table below says which roles need which
field in full, and why (DOMAIN.md roles):

- 村两委 (``village_clerk``) maintains its village's roster as a file: it exports,
  corrects and imports it again, so it needs both fields as they are.
- 县扶贫办 (``county_poverty_office``) owns the county's 建档立卡 data and reconciles it
  with the national system and the other departments (民政, 医保) by ID number and
  account: both fields.
- 县住建局 (``county_housing_bureau``) pays renovation subsidies into the 一卡通 account:
  the account in full, and only for households with a house renovation case.
- The system administrator (``admin``) loads and migrates the register in bulk: all
  fields.
- 联系电话 (phone): the people who call the household — the village clerk (notices,
  home visits, and its roster round trip must keep the number) and the helper
  (帮扶责任人, who visits and phones the household it is paired with) — and the
  administrator. The county office reconciles by ID number, not by phone; supervisors
  and auditors do not phone households from a file, so they get 138****1234.
- Helpers, work teams, township reviewers, sector departments, the leading group, the
  city office and auditors check and supervise; masked IDs and accounts identify the
  household well enough for that.

Every export that carries a field in full is recorded on the village's register chain
(``workflow.registry.roster.record_export``), where auditors see it.
"""
from __future__ import annotations

from typing import Any

from workflow.auth.models import User
from workflow.registry.models import mask_account, mask_id_number, mask_phone

UNMASKED_EXPORT_ROLES: dict[str, set[str]] = {
    "id_number": {"village_clerk", "county_poverty_office", "admin"},
    "bank_account": {"village_clerk", "county_poverty_office", "county_housing_bureau",
                     "admin"},
    # Those who phone the household: the clerk and its 帮扶责任人 (see above).
    "phone": {"village_clerk", "helper", "admin"},
}
# Roles that get a field in full only for the households their own cases are about:
# role -> the subject type of those cases (a house renovation acts on a house).
OWN_CASES_ONLY: dict[str, str] = {"county_housing_bureau": "house"}
FIELD_TITLES = {"id_number": "身份证号", "bank_account": "一卡通账号", "phone": "联系电话"}
MASKS = {"id_number": mask_id_number, "bank_account": mask_account, "phone": mask_phone}
# Form fields that carry one of these values (the subsidy payment's 收款账号).
FORM_FIELDS = {"account": "bank_account", "id_number": "id_number"}
EXPORTED_ROLES = set().union(*UNMASKED_EXPORT_ROLES.values())

ALL, OWN_CASES, NONE = "all", "own_cases", "none"


def grants(user: User, path: str) -> dict[str, str]:
    """For a place (path), per field: ALL (in full), OWN_CASES (in full for the
    households of the user's own cases) or NONE (masked)."""
    out = {}
    for name, roles in UNMASKED_EXPORT_ROLES.items():
        held = {a.role for a in user.assignments
                if a.role in roles and path.startswith(a.jurisdiction.path)}
        out[name] = ALL if held - set(OWN_CASES_ONLY) else OWN_CASES if held else NONE
    return out


def own_case_subjects(user: User) -> set[str]:
    """The subject types of the cases whose households ``user`` may see in full."""
    return {OWN_CASES_ONLY[a.role] for a in user.assignments if a.role in OWN_CASES_ONLY}


def masked(name: str, value: Any) -> str:
    """``value`` of personal field ``name`` as pages show it."""
    return MASKS[name](str(value)) if value else ""


def form_value(field_name: str, value: Any) -> Any:
    """A form value as trails and their exports show it: personal fields masked
    (auditors read trails; no role needs an account in full there)."""
    kind = FORM_FIELDS.get(field_name)
    return masked(kind, value) if kind and isinstance(value, str) else value


def is_masked(value: str) -> bool:
    """True for a value a masked export wrote (it cannot be imported as is)."""
    return "*" in value
