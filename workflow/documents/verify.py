"""Checkable paper (账实相符): a short code on every document, tied to the case's trail.

A document printed when the trail's latest event had hash ``h`` carries the code
``code_for(case_id, h)``: eight characters (40 bits) of a SHA-256 over the case number and
that hash, shown as ``ABCD-EFGH``. The event hashes are never shown to the public, so a
code cannot be made up for a case; nor does it reveal anything about the case.

The public page ``/verify/<case_id>/<code>`` answers

- ``current``: the code belongs to the trail's latest event: the paper shows the case as
  the system holds it now;
- ``outdated``: the code belongs to an earlier event: the case has moved on since the
  paper was printed;
- ``unknown``: no such case, or no event of it has this code (a forged or mistyped code).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import segno

from workflow.audit.models import AuditEvent
from workflow.cases.models import Case
from workflow.engine.errors import WorkflowError
from workflow.extensions import db

CODE_LENGTH = 8
# Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or typed is unambiguous.
_STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TO_CROCKFORD = str.maketrans(_STANDARD, _CROCKFORD)
_READ_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
QR_MASK = 0


def code_for(case_id: int, event_hash: str) -> str:
    """The verification code of a document printed when ``event_hash`` headed the trail."""
    digest = hashlib.sha256(f"wf-paper:{case_id}:{event_hash}".encode()).digest()
    return base64.b32encode(digest)[:CODE_LENGTH].decode().translate(_TO_CROCKFORD)


def normalize(code: str) -> str:
    """A typed or scanned code in canonical form: upper case, no dashes or spaces."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return cleaned.translate(_READ_ALIKES)


def display(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH``."""
    return f"{code[:4]}-{code[4:]}"


def case_code(case: Case) -> str:
    """The code for ``case`` as it stands now."""
    return code_for(case.id, case.trail_head)


class NoPublicAddress(WorkflowError):
    """Production without WORKFLOW_PUBLIC_BASE_URL: nothing with a link is printed."""

    status = 503


PUBLIC_ADDRESS = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s?#]*)?$")


def checked_public_address(value: str | None) -> str | None:
    """WORKFLOW_PUBLIC_BASE_URL as given (None when unset); a value that is not an
    http(s) address with a host stops the app at start (a typo must not reach paper)."""
    if value in (None, ""):
        return None
    if not PUBLIC_ADDRESS.match(value):
        raise ValueError(f"WORKFLOW_PUBLIC_BASE_URL={value!r} is not an http(s) address "
                         "such as https://fupin.example.gov.cn/")
    return value


def public_base_url(config, request_root: str | None) -> str:
    """The address every printed verification link and QR code points to.

    Always the configured public address (WORKFLOW_PUBLIC_BASE_URL) when set. Unset, a
    production install prints nothing with a link rather than the host the request came
    through (an internal name, or whatever a client put in its Host header); a
    development install prints the request's address (the demo on 127.0.0.1)."""
    configured = config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    if config.get("PRODUCTION") or request_root is None:
        raise NoPublicAddress("系统未设置对外核验地址（WORKFLOW_PUBLIC_BASE_URL），暂不能打印"
                              "带核验二维码的材料，请联系系统管理员")
    return request_root


def verify_url(base_url: str, case_id: int, code: str) -> str:
    """The public address printed (and encoded in the QR code) on a document."""
    return f"{base_url.rstrip('/')}/verify/{case_id}/{code}"


def qr_image(url: str) -> str:
    """A PNG data URI of a QR code for ``url``: one pixel per module, no quiet zone.

    The stylesheet scales it up with ``image-rendering: pixelated`` (sharp edges); a PNG
    costs WeasyPrint far less than an SVG path of the same code. The mask pattern is fixed:
    every mask is valid and read by any scanner (tested with a decoder), while scoring all
    eight to pick the best, as encoders do by default, is most of the code's cost (≈ 3 ms
    of a sheet's 4).
    """
    return segno.make_qr(url, error="m", mask=QR_MASK).png_data_uri(scale=1, border=0)


@dataclass
class Verdict:
    """What the public page may say: a status and non-personal facts about the paper."""

    status: str  # current | outdated | unknown
    case_id: int | None = None
    procedure: str = ""
    printed_seq: int | None = None
    printed_at: dt.datetime | None = None
    later_events: int = 0
    updated_at: dt.datetime | None = None


def check(case_id: int, code: str) -> Verdict:
    """The verdict on a paper showing ``case_id`` and ``code``."""
    wanted = normalize(code)
    case = db.session.get(Case, case_id) if 0 < case_id < 2**62 else None
    if case is None or len(wanted) != CODE_LENGTH:
        return Verdict("unknown")
    rows = db.session.execute(
        db.select(AuditEvent.seq, AuditEvent.hash, AuditEvent.at)
        .where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)).all()
    for seq, event_hash, at in reversed(rows):
        if code_for(case.id, event_hash) == wanted:
            from workflow.engine import store

            current = event_hash == case.trail_head
            return Verdict("current" if current else "outdated", case_id=case.id,
                           procedure=store.by_version(case.definition_version).title,
                           printed_seq=seq, printed_at=at,
                           later_events=case.event_count - seq, updated_at=case.updated_at)
    return Verdict("unknown")
