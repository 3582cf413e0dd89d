"""What a guard or an effect sees: the case, its subject, the actor and the step's values."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask import current_app
from sqlalchemy.orm import joinedload

from workflow.auth.models import RoleAssignment, User
from workflow.cases.applied import SettingsReader
from workflow.cases.models import Case
from workflow.engine.definitions import Action, Definition
from workflow.engine.registry import SUBJECTS
from workflow.extensions import db


@dataclass
class Context(SettingsReader):
    """``ctx.setting(key, year=..., on=...)`` reads a policy setting at the case's place
    and remembers it for the step's event (``applied``); ``ctx.settings`` is the app
    config, for what is not a policy setting."""

    case: Case
    definition: Definition
    action: Action
    actor: User
    assignment: RoleAssignment
    values: dict[str, Any]
    opinion: str
    extra: dict[str, Any] = field(default_factory=dict)
    applied: dict = field(default_factory=dict)

    @property
    def place(self) -> str:
        return self.case.jurisdiction_path

    @cached_property
    def subject(self) -> Any:
        """The case's subject with what its guards read (``prefetch``), in one query."""
        model = subject_model(self.case.subject_type)
        return db.session.get(model, self.case.subject_id, options=joined_prefetch(model))

    @cached_property
    def notice(self) -> Any:
        """The open notice of the case's current state, if any, with its objections (one
        query per sign-off)."""
        from workflow.notices.models import Notice

        return db.session.execute(
            db.select(Notice).where(Notice.case_id == self.case.id,
                                    Notice.state == self.case.state,
                                    Notice.closed_at.is_(None))
            .order_by(Notice.id.desc()).options(joinedload(Notice.objections))
        ).unique().scalars().first()

    @property
    def settings(self):
        return current_app.config

    def step_values(self, action_name: str) -> dict[str, Any]:
        """Values of ``action_name`` as submitted now or earlier in this case."""
        if action_name == self.action.name:
            return self.values
        return self.case.data.get(action_name, {})


@dataclass
class SubjectContext(SettingsReader):
    """What a subject-only guard sees (``registry.SUBJECT_GUARDS``): the subject and the
    settings at its place, before a case exists or while the buttons of a case are drawn."""

    subject: Any
    definition: Definition
    values: dict[str, Any] = field(default_factory=dict)
    applied: dict = field(default_factory=dict)

    @property
    def place(self) -> str:
        return self.subject.jurisdiction_path

    @property
    def settings(self):
        return current_app.config


def subject_model(subject_type: str) -> type:
    """The model class registered for ``subject_type`` (see engine.registry.subject)."""
    return SUBJECTS[subject_type]


_JOINED: dict[type, tuple] = {}


def joined_prefetch(model: type) -> tuple:
    """``model.prefetch()``'s relationships as joined loads: for one subject, one query
    instead of one per relationship (a household, its members and its incomes: three
    queries, ~1.4 ms on SQLite, became one of ~0.5 ms). Built once per model."""
    found = _JOINED.get(model)
    if found is None:
        chains = []
        for option in model.prefetch():
            for element in option.context:
                props = element.path.path[1::2]
                chain = joinedload(props[0].class_attribute)
                for prop in props[1:]:
                    chain = chain.joinedload(prop.class_attribute)
                chains.append(chain)
        found = _JOINED[model] = (*chains, *guard_expressions(model))
    return found


def _model_options(model: type, hook: str) -> tuple:
    """The loader options a subject model's classmethod ``hook`` gives, none without it."""
    options = getattr(model, hook, None)
    return options() if options else ()


def guard_expressions(model: type) -> tuple:
    """The subject model's loader options for what its guards read beside relationships."""
    return _model_options(model, "guard_expressions")


def load_subjects(cases: list[Case]) -> list[Any]:
    """The subjects of ``cases`` as a list shows them (the model's ``list_options``), one
    query per kind, into the session's identity map (the caller holds the list while it
    uses them: the map keeps weak references)."""
    by_type: dict[str, set[int]] = {}
    for case in cases:
        by_type.setdefault(case.subject_type, set()).add(case.subject_id)
    loaded: list[Any] = []
    for subject_type, ids in by_type.items():
        model = subject_model(subject_type)
        loaded += db.session.execute(db.select(model).where(model.id.in_(ids)).options(
            *_model_options(model, "list_options"))).scalars().all()
    return loaded


def load_subject(subject_type: str, subject_id: int) -> Any:
    return db.session.get(subject_model(subject_type), subject_id)
