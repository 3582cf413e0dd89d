"""Named guards and effects that definitions reference.

A guard returns the reasons an action may not happen (an empty list lets it through);
an effect changes the register in the same transaction as the sign-off.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

GUARDS: dict[str, Callable[[Any], list[str]]] = {}
EFFECTS: dict[str, Callable[[Any], None]] = {}
# What a case can be about: subject type name -> model class (a household, a house, ...).
SUBJECTS: dict[str, type] = {}


def subject(name: str):
    """Register a model as a case subject; it must offer ``village``, ``village_id``,
    ``jurisdiction_path``, ``head_name``, ``masked_id`` and ``prefetch()``."""
    def wrap(cls):
        SUBJECTS[name] = cls
        return cls
    return wrap


def guard(name: str):
    """Register ``fn(ctx) -> list[str]`` under ``name``."""
    def wrap(fn):
        GUARDS[name] = fn
        return fn
    return wrap


def effect(name: str):
    """Register ``fn(ctx) -> None`` under ``name``."""
    def wrap(fn):
        EFFECTS[name] = fn
        return fn
    return wrap


def load_builtin() -> None:
    """Import the modules whose decorators fill the registries."""
    from workflow.housing import rules as housing_rules  # noqa: F401
    from workflow.monitoring import rules as monitoring_rules  # noqa: F401
    from workflow.notices import operations  # noqa: F401
    from workflow.projects import rules as project_rules  # noqa: F401
    from workflow.registry import household_rules  # noqa: F401
    from workflow.villages import rules as village_rules  # noqa: F401
