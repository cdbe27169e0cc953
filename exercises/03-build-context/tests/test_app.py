"""Tests for the routes; run them with `python -m pytest tests` (they need no server)."""

import json
from pathlib import Path

from webapp import routes

STATIC = Path(__file__).resolve().parents[1] / "static"


def test_health_is_ok_when_the_page_is_there():
    status, _, body = routes.handle("/health", STATIC)
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_health_reports_missing_files(tmp_path):
    status, _, body = routes.handle("/health", tmp_path)
    assert status == 500 and json.loads(body)["missing"] == ["static/index.html", "static/style.css"]


def test_notes():
    status, _, body = routes.handle("/notes?x=1", STATIC)
    assert status == 200 and len(json.loads(body)) == 2
