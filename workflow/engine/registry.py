"""Named guards and effects that definitions reference.

A guard returns the reasons an action may not happen (an empty list lets it through);
an effect changes the register in the same transaction as the sign-off. The engine knows
no area: each area's rules module fills these registries when the app factory imports it
(``workflow.RULE_MODULES``), before the definitions that name them are loaded.
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


# Guards that read only the subject (``ctx.subject``, ``ctx.setting(...)``), never the case or
# the step's values: they can run before a case exists (a procedure's ``start_guards``)
# and, cheaply, to grey out the buttons the subject's state forbids.
SUBJECT_GUARDS: set[str] = set()
# The policy settings a guard will read, for a running case's page ("which value it will
# meet at its next step"): ``reads(ctx)`` calls ``ctx.setting`` for each of them from the
# case as it stands (no step values yet), the same helpers the guard itself uses.
GUARD_READS: dict[str, Callable[[Any], None]] = {}


def guard(name: str, *, subject_only: bool = False, reads: Callable[[Any], None] | None = None):
    """Register ``fn(ctx) -> list[str]`` under ``name`` (``subject_only``, ``reads``: see
    above)."""
    def wrap(fn):
        GUARDS[name] = fn
        if subject_only:
            SUBJECT_GUARDS.add(name)
        if reads is not None:
            GUARD_READS[name] = reads
        return fn
    return wrap


def effect(name: str):
    """Register ``fn(ctx) -> None`` under ``name``."""
    def wrap(fn):
        EFFECTS[name] = fn
        return fn
    return wrap

