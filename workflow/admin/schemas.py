"""Validation of user administration and account requests, Chinese messages naming each
field by its label."""
from __future__ import annotations

from marshmallow import RAISE, Schema, validate

from workflow.auth.models import ROLES
from workflow.engine.fields import StrictString
from workflow.projects.models import DEPARTMENTS

USERNAME = r"^[a-z][a-z0-9_.-]{2,31}$"


def _msgs(label: str) -> dict[str, str]:
    return {"required": f"「{label}」为必填项", "null": f"「{label}」不能为空",
            "invalid": f"「{label}」格式不正确", "nul": f"「{label}」不能含有空字符"}


def _text(label: str, max_len: int, required: bool = True) -> StrictString:
    checks = [validate.Length(max=max_len, error=f"「{label}」不能超过 {max_len} 个字符")]
    if required:
        checks.insert(0, validate.Length(min=1, error=f"「{label}」为必填项"))
    return StrictString(required=required, error_messages=_msgs(label), validate=checks)


def _role() -> StrictString:
    return StrictString(required=True, error_messages=_msgs("角色"), validate=validate.OneOf(
        list(ROLES), error="「角色」必须是：" + "、".join(ROLES.values())))


def _department() -> StrictString:
    return StrictString(load_default=None, allow_none=True, error_messages=_msgs("部门"),
                        validate=validate.OneOf([*DEPARTMENTS, ""], error="「部门」必须是：" +
                                                "、".join(DEPARTMENTS.values())))


class GrantSchema(Schema):
    """One role over one place (and the department for 县行业部门)."""

    class Meta:
        unknown = RAISE

    role = _role()
    jurisdiction = _text("管辖地区（行政区划代码）", 12)
    department = _department()


class UserCreateSchema(GrantSchema):
    """A new account with its first role; its one-time password is made, not sent."""

    username = StrictString(required=True, error_messages=_msgs("用户名"), validate=[
        validate.Regexp(USERNAME, error="「用户名」须为 3 至 32 位小写字母、数字、下划线、"
                                        "点或连字符，以字母开头")])
    display_name = _text("姓名", 64)


class PasswordChangeSchema(Schema):
    """The account page's change: the current password and the new one."""

    class Meta:
        unknown = RAISE

    current_password = _text("当前密码", 256)
    new_password = _text("新密码", 256)
