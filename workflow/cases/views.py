"""Browser pages for cases (to-do, lists, case page); thin over operations and queries."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import login_required

cases = Blueprint("cases", __name__)


@cases.route("/")
@login_required
def todo():
    return "待办"


@cases.route("/home")
def home():
    return redirect(url_for("cases.todo"))
