"""Shared fixtures. Engine tests skip on a laptop without Docker, but fail under CI=true."""

from __future__ import annotations

import os

import pytest

import labkit

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def engine():
    """A running engine, or a skip (a failure in CI)."""
    if not labkit.engine_available():
        message = "no Docker engine answers; start one (./workbook test does)"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return labkit.engine.client()


@pytest.fixture(scope="session", autouse=True)
def _remove_what_the_suite_built():
    yield
    if labkit.engine_available():
        labkit.clean(session=labkit.labels.SESSION_ID)
