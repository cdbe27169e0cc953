from __future__ import annotations

import pytest

from labkit import labels


def test_managed_labels_carry_purpose_and_session():
    made = labels.managed_labels("grading")
    assert made[labels.MANAGED] == "true" and made[labels.PURPOSE] == "grading" and made[labels.SESSION] == labels.SESSION_ID


def test_unknown_purpose_is_refused():
    with pytest.raises(ValueError):
        labels.managed_labels("misc")


@pytest.mark.parametrize(
    ("found", "session", "expected"),
    [
        ({labels.MANAGED: "true", labels.SESSION: "s1"}, None, True),
        ({labels.MANAGED: "true", labels.SESSION: "s1"}, "s1", True),
        ({labels.MANAGED: "true", labels.SESSION: "s1"}, "s2", False),
        ({labels.STANDIN: "x"}, None, False),
        ({}, None, False),
        (None, None, False),
    ],
)
def test_is_managed(found, session, expected):
    assert labels.is_managed(found, session=session) is expected


def test_a_standin_is_recognised_only_under_its_own_name():
    standin = {labels.STANDIN: "built offline", labels.STANDIN_REF: "node:22-bookworm-slim"}
    assert labels.is_standin_of(standin, ["node:22-bookworm-slim"])
    assert labels.is_standin_of(standin, ["docker.io/library/node:22-bookworm-slim"])
    # A learner's image built FROM the stand-in inherits its labels, but is not the stand-in.
    assert not labels.is_standin_of(standin, ["my-app:latest"])
    assert not labels.is_standin_of({labels.STANDIN_REF: "busybox"}, ["busybox:1.36"])
    assert labels.is_standin_of({labels.STANDIN_REF: "busybox"}, ["busybox:latest"])
