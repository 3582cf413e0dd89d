"""Users hold roles over jurisdictions; API tokens are stored only as hashes."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from workflow import clock
from workflow.extensions import db
from workflow.jurisdictions.models import Jurisdiction

ROLES = {
    "village_clerk": "村两委",
    "work_team": "驻村工作队/第一书记",
    "helper": "帮扶责任人",
    "township_reviewer": "乡镇审核",
    "county_poverty_office": "县扶贫办",
    "county_housing_bureau": "县住建局",
    "county_sector": "县行业部门",
    "county_leading_group": "县扶贫开发领导小组",
    "city_poverty_office": "市扶贫办",
    "auditor": "审计/纪检",
    "admin": "系统管理员",
}
READ_ONLY_ROLES = {"auditor"}
DEPARTMENT_ROLES = {"county_sector"}  # roles acting for one county department


def role_title(role: str, department: str | None = None) -> str:
    """「县行业部门（县水利局）」 for a department's role, else the role's title."""
    from workflow.projects.models import DEPARTMENTS

    title = ROLES.get(role, role)
    if role in DEPARTMENT_ROLES and department:
        return f"{title}（{DEPARTMENTS.get(department, department)}）"
    return title


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(db.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(db.String(64))
    # Where the daily digest of unread notifications goes (set by the user on 我的账号).
    email: Mapped[str | None] = mapped_column(db.String(254))
    # A work phone the user gives on 我的账号 (a helper's is printed on the 明白卡).
    phone: Mapped[str | None] = mapped_column(db.String(20))
    password_hash: Mapped[str] = mapped_column(db.String(256))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every browser session's user id (get_id): bumping it ends all of the user's
    # sessions at once, on every device (logout, new password, deactivation).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by an administrator's reset (a one-time password): every page leads to the
    # change-password page and the API refuses until the user picks their own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    # A demo seed's shared password: must be changed at first login in production only.
    demo_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    password_changed_at: Mapped[dt.datetime | None]

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:
        """flask-login's alternative id: "<id>:<generation>", so a session cookie signed
        before the last bump names a user id that no longer loads."""
        return f"{self.id}:{self.session_generation}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def password_change_due(self, production: bool) -> bool:
        """True while the user must pick a new password before doing anything else."""
        return self.must_change_password or (production and self.demo_password)

    def roles_over(self, place: Jurisdiction) -> list[RoleAssignment]:
        """The assignments whose jurisdiction contains ``place``."""
        return [a for a in self.assignments if a.jurisdiction.contains(place)]

    @property
    def scope_paths(self) -> list[str]:
        """Materialized paths of every place this user may see: their assignments' and
        those of the places merged into them (撤并)."""
        from workflow.jurisdictions.scope import with_predecessors

        return with_predecessors([a.jurisdiction.path for a in self.assignments])

    @property
    def is_admin(self) -> bool:
        return any(a.role == "admin" for a in self.assignments)


class RoleAssignment(db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (db.UniqueConstraint("user_id", "role", "jurisdiction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(db.String(32))
    jurisdiction_id: Mapped[int] = mapped_column(db.ForeignKey("jurisdictions.id"))
    # For county sector roles: the department acted for (agriculture, water, ...).
    department: Mapped[str | None] = mapped_column(db.String(24))

    user: Mapped[User] = relationship(back_populates="assignments")
    jurisdiction: Mapped[Jurisdiction] = relationship(lazy="joined")

    @property
    def role_title(self) -> str:
        """The role's title, with the department for a department's role."""
        return role_title(self.role, self.department)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime | None]  # None for tokens issued before migration 0015

    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, hours: int) -> tuple[str, ApiToken]:
        """Create a token for ``user``; the clear token is returned once and never stored."""
        token = secrets.token_urlsafe(32)
        now = clock.utcnow()
        row = cls(token_hash=cls.digest(token), user=user, created_at=now,
                  expires_at=now + dt.timedelta(hours=hours))
        db.session.add(row)
        return token, row


class UserSession(db.Model):
    """One browser login: the signed cookie holds ``key`` in clear, this row its SHA-256,
    with the device and address it came from, so the user can see and end each session
    (auth.sessions loads a cookie only while its row is open)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_agent: Mapped[str] = mapped_column(db.String(200), default="")
    address: Mapped[str] = mapped_column(db.String(64), default="")
    started_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class LoginFailure(db.Model):
    """Recent failed logins per account and per address, in the database so that every
    worker process counts the same failures (auth.throttle reads and writes it)."""

    __tablename__ = "login_failures"
    __table_args__ = (db.UniqueConstraint("kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(db.String(8))  # "account" or "address"
    subject: Mapped[str] = mapped_column(db.String(128))  # the username or the address
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime]
