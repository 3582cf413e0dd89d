"""The password policy and one-time passwords.

A password has at least MIN_LENGTH characters, is not the user name (nor contains a name
of four or more characters, nor its reverse) and is not a common password. The common
passwords are the 30,000 most frequent of leaked password sets as shipped by the
``zxcvbn`` package (Dropbox's strength estimator, its Python port kept up on PyPI):
maintained by others, checked offline, case-insensitively, and also with a trailing run
of digits or symbols removed ("password2020!" is "password").
"""
from __future__ import annotations

import re
import secrets
from functools import cache

MIN_LENGTH = 10
MAX_LENGTH = 128
# No 0/O, 1/l/I: read aloud or copied from a screen to a note without mistakes.
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_TAIL = re.compile(r"[\d\W_]+$")


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True when the password (lower-cased, or without its trailing digits) is listed."""
    lowered = password.lower()
    stem = _TAIL.sub("", lowered)
    return lowered in _common() or (len(stem) >= 4 and stem in _common())


def problems(password: str, username: str, label: str = "新密码") -> list[str]:
    """What is wrong with ``password`` for ``username``, in Chinese (empty when fine)."""
    if not isinstance(password, str) or not password:
        return [f"「{label}」为必填项"]
    out = []
    if len(password) < MIN_LENGTH:
        out.append(f"「{label}」至少 {MIN_LENGTH} 个字符")
    if len(password) > MAX_LENGTH:
        out.append(f"「{label}」不能超过 {MAX_LENGTH} 个字符")
    if "\x00" in password:
        out.append(f"「{label}」不能含有空字符")
    name, lowered = (username or "").lower(), password.lower()
    # Containing a short name ("li") is no weakness; containing a longer one is.
    if name and (lowered in (name, name[::-1])
                 or (len(name) >= 4 and (name in lowered or name[::-1] in lowered))):
        out.append(f"「{label}」不能与用户名相同或包含用户名")
    elif is_common(password):
        out.append(f"「{label}」是常见密码，容易被猜中，请换一个")
    return out


def one_time() -> str:
    """A one-time password for a reset or a new account: 12 characters, ~68 bits; it
    passes the policy (shown once, never stored in clear)."""
    while True:
        candidate = "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(12))
        if not is_common(candidate):
            return candidate
