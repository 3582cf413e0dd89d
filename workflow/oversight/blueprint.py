"""The ``oversight`` blueprint, apart from its views so that every views module of the
area (views.py, bottleneck_views.py) adds routes to it without importing another."""
from __future__ import annotations

from flask import Blueprint

oversight = Blueprint("oversight", __name__)
