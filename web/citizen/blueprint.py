"""The citizen blueprint; its routes live in the modules named for each page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("citizen", __name__)
