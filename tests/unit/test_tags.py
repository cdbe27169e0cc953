"""labkit.tags without an engine: parsing as Docker does, and the tag strategies.

The digest cases were checked by hand against Docker Engine 20.10
(`docker image inspect NAME@DIGEST`: "No such image" for a digest it parses,
"invalid checksum digest format/length" or "unsupported digest algorithm" for
one it refuses); tests/integration/test_tags_engine.py repeats that with
generated digests.
"""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from labkit import InvalidReference, LabkitError, tags
from labkit.tags import Reference, parse

HEX64 = "0123456789abcdef" * 4


# --- parsing and normalising ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "domain", "path", "tag", "familiar", "normalised"),
    [
        ("busybox", "docker.io", "library/busybox", None, "busybox:latest", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", "busybox:1.36", "docker.io/library/busybox:1.36"),
        ("docker.io/busybox", "docker.io", "library/busybox", None, "busybox:latest", "docker.io/library/busybox:latest"),
        ("index.docker.io/busybox", "docker.io", "library/busybox", None, "busybox:latest", "docker.io/library/busybox:latest"),
        ("index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", "busybox:1", "docker.io/library/busybox:1"),
        ("team/app:v2", "docker.io", "team/app", "v2", "team/app:v2", "docker.io/team/app:v2"),
        ("docker.io/library/x/y", "docker.io", "library/x/y", None, "library/x/y:latest", "docker.io/library/x/y:latest"),
        ("localhost/app", "localhost", "app", None, "localhost/app:latest", "localhost/app:latest"),
        ("localhost:5000/team/app:1.0", "localhost:5000", "team/app", "1.0", "localhost:5000/team/app:1.0", "localhost:5000/team/app:1.0"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000", "app", None, "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"),
        ("Registry.Example.COM/app", "Registry.Example.COM", "app", None, "Registry.Example.COM/app:latest", "Registry.Example.COM/app:latest"),
        ("registry:5000/app", "registry:5000", "app", None, "registry:5000/app:latest", "registry:5000/app:latest"),
        # no '/', so "localhost" is a Hub repository and 5000 its tag
        ("localhost:5000", "docker.io", "library/localhost", "5000", "localhost:5000", "docker.io/library/localhost:5000"),
        # the first part has a '.', so it is taken for a host; it is not one (underscore), so the whole is a path
        ("a_b.c/foo", "", "a_b.c/foo", None, "a_b.c/foo:latest", "a_b.c/foo:latest"),
        ("a__b/c---d/e.f", "docker.io", "a__b/c---d/e.f", None, "a__b/c---d/e.f:latest", "docker.io/a__b/c---d/e.f:latest"),
        ("x:_a", "docker.io", "library/x", "_a", "x:_a", "docker.io/library/x:_a"),
        (HEX64 + ":tag", "docker.io", f"library/{HEX64}", "tag", f"{HEX64}:tag", f"docker.io/library/{HEX64}:tag"),
    ],
)
def test_parse_splits_and_normalises_like_docker(text, domain, path, tag, familiar, normalised):
    ref = parse(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, None)
    assert ref.familiar == familiar
    assert ref.normalised == normalised == str(ref)


def test_a_digest_is_kept_and_no_latest_is_added():
    ref = parse(f"busybox@sha256:{HEX64}")
    assert ref.digest == f"sha256:{HEX64}" and ref.tag is None
    assert ref.normalised == f"docker.io/library/busybox@sha256:{HEX64}"
    assert ref.familiar == f"busybox@sha256:{HEX64}"
    both = parse(f"localhost:5000/app:1.0@sha256:{HEX64}")
    assert both.normalised == f"localhost:5000/app:1.0@sha256:{HEX64}"


def test_reference_is_a_frozen_value():
    ref = parse("app:1")
    assert ref == Reference("docker.io", "library/app", "1")
    with pytest.raises(AttributeError):
        ref.tag = "2"  # type: ignore[misc]
    assert ref.with_tag("2").familiar == "app:2"
    assert ref.name == "docker.io/library/app" and ref.familiar_name == "app"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("Foo/bar", "must be lowercase"),
        ("team/MyApp", "must be lowercase"),
        ("localhost:5000/App", "must be lowercase"),
        ("A_b.c/foo", "must be lowercase"),
        ("a___b", "separator"),
        ("a..b", "separator"),
        ("a.-b", "separator"),
        ("-app", "starts or ends with a separator"),
        ("app-", "starts or ends with a separator"),
        ("a//b", "empty"),
        ("/a", "empty"),
        ("a/", "empty"),
        ("my app", "contains ' '"),
        ("app:", "tag after ':' is empty"),
        ("app:-x", "starts with '-'"),
        ("app:.x", "starts with '.'"),
        ("app:" + "t" * 129, "129 characters"),
        ("a:b:c", "contains ':'"),
        ("app:v1+build", "contains '+'"),
        ("a" * 238, "255 characters"),  # 238 + len("docker.io/library/") = 256
        ("foo.com/" + "a" * 248, "255 characters"),
        (HEX64, "image ID"),
        ("[::1]:5000/app", "IPv6"),
        ("example.com:/app", "neither a registry host"),
        ("-bad.com/app", "neither a registry host"),
        ("a@b@c", "more than one '@'"),
    ],
)
def test_invalid_references_say_why(text, why):
    with pytest.raises(InvalidReference) as caught:
        parse(text)
    assert why in caught.value.message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, LabkitError)
    assert caught.value.hint


def test_length_limit_counts_the_registry_and_library_prefix():
    assert parse("a" * 237).name == "docker.io/library/" + "a" * 237  # exactly 255
    assert tags.is_valid("x/" + "a" * 243) and not tags.is_valid("x/" + "a" * 244)  # docker.io/x/…: 255 and 256
    assert tags.is_valid("foo.com/" + "a" * 247) and not tags.is_valid("foo.com/" + "a" * 248)


@pytest.mark.parametrize(
    ("suffix", "ok", "why"),
    [
        (f"sha256:{HEX64}", True, ""),
        ("sha384:" + "a" * 96, True, ""),
        ("sha512:" + "a" * 128, True, ""),
        (f"sha256:{HEX64.upper()}", False, "lowercase hex"),
        (f"sha256:{HEX64}a", False, "64 hex digits"),
        ("sha256:" + "a" * 63, False, "64 hex digits"),
        ("sha512:" + HEX64, False, "128 hex digits"),
        ("md5:" + "a" * 32, False, "unsupported digest algorithm"),
        ("sha256+b64:" + HEX64, False, "unsupported digest algorithm"),
        ("sha256:" + "a" * 31, False, "not algorithm:hex"),
        ("1sha:" + HEX64, False, "not algorithm:hex"),
        ("sha256:" + "g" * 64, False, "not algorithm:hex"),
    ],
)
def test_digests_as_the_engine_checks_them(suffix, ok, why):
    text = f"busybox@{suffix}"
    assert tags.is_valid(text) is ok
    if not ok:
        with pytest.raises(InvalidReference, match=why):
            parse(text)


def test_uppercase_algorithm_is_refused():
    assert not tags.is_valid(f"busybox@SHA256:{HEX64}")
    assert not tags.is_valid(f"busybox:1@Sha256:{HEX64}")


def test_new_tags_cannot_carry_a_digest_or_be_named_sha256():
    assert tags.is_valid(f"app@sha256:{HEX64}")
    assert not tags.is_valid(f"app@sha256:{HEX64}", new_tag=True)
    for name in ("sha256", "sha256:abc", "library/sha256", "docker.io/sha256:x"):
        assert tags.is_valid(name) and not tags.is_valid(name, new_tag=True)
    assert tags.is_valid("localhost/sha256", new_tag=True) and tags.is_valid("sha512", new_tag=True)


def test_unicode_word_characters_are_not_word_characters_here():
    assert not tags.is_valid("é") and not tags.is_valid("app:é") and not tags.is_valid("\u212a")
    assert not tags.is_valid("app\n")  # Python's $ would match before a trailing newline; fullmatch does not


@pytest.mark.parametrize(
    ("tag", "ok"),
    [("latest", True), ("1.2.3", True), ("_x", True), ("A", True), ("v1.0-rc.1", True), ("t" * 128, True),
     ("", False), ("-x", False), (".x", False), ("t" * 129, False), ("a/b", False), ("a:b", False), ("a+b", False), ("é", False)],
)
def test_is_valid_tag(tag, ok):
    assert tags.is_valid_tag(tag) is ok


# --- tag strategies ---------------------------------------------------------------------------------


def test_semver_cascade():
    assert tags.semver_tags("1.2.3") == ["1.2.3", "1.2", "1", "latest"]
    assert tags.semver_tags("v1.2.3") == ["1.2.3", "1.2", "1", "latest"]


def test_prereleases_only_get_their_own_tag():
    assert tags.semver_tags("1.3.0-rc.1") == ["1.3.0-rc.1"]
    assert tags.semver_tags("1.3.0-rc.1", ["1.2.0"]) == ["1.3.0-rc.1"]


def test_floating_tags_only_move_forwards():
    published = ["1.2.5", "1.3.0", "2.0.0", "2.1.0-beta.1", "latest", "1.3", "sha-abc1234"]
    assert tags.semver_tags("1.2.6", published) == ["1.2.6", "1.2"]  # 1 stays on 1.3.0, latest on 2.0.0
    assert tags.semver_tags("1.2.4", published) == ["1.2.4"]  # an older hotfix moves nothing
    assert tags.semver_tags("1.3.1", published) == ["1.3.1", "1.3", "1"]
    assert tags.semver_tags("2.0.1", published) == ["2.0.1", "2.0", "2", "latest"]
    # a pre-release of a higher version does not hold latest back
    assert tags.semver_tags("2.0.2", published + ["3.0.0-rc.1"]) == ["2.0.2", "2.0", "2", "latest"]
    # publishing the same version again keeps its floating tags
    assert tags.semver_tags("2.0.0", published) == ["2.0.0", "2.0", "2", "latest"]


def test_major_zero_gets_no_bare_zero_tag():
    assert tags.semver_tags("0.4.1") == ["0.4.1", "0.4", "latest"]


def test_build_metadata_becomes_a_valid_tag_and_does_not_change_precedence():
    assert tags.semver_tags("1.0.0+build.7", ["1.0.0"]) == ["1.0.0_build.7", "1.0", "1", "latest"]


def test_semver_precedence_follows_the_spec():
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    keys = [tags.SemVer.parse(v).key() for v in order]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@pytest.mark.parametrize("bad", ["1.2", "1", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "latest", "1.2.3.4", " ", "1.2.x"])
def test_not_semver_is_a_clear_error(bad):
    with pytest.raises(InvalidReference, match="not a semantic version"):
        tags.semver_tags(bad)


def test_sha_tag():
    assert tags.sha_tag("ABC1234DEF567890") == "sha-abc1234"
    assert tags.sha_tag("abc1234") == "sha-abc1234"
    for bad in ("abc12", "xyz1234", ""):
        with pytest.raises(InvalidReference, match="not a git commit id"):
            tags.sha_tag(bad)


@pytest.mark.parametrize(
    ("branch", "tag"),
    [
        ("feature/Login_Page", "feature-login_page"),
        ("main", "main"),
        ("refs/heads/release/1.x", "release-1.x"),
        ("fix//double  space", "fix-double-space"),
        ("-leading.dots.", "leading.dots"),
        ("dependabot/npm_and_yarn/@types/node-20.1", "dependabot-npm_and_yarn-types-node-20.1"),
        ("x" * 200, "x" * 128),
    ],
)
def test_branch_tag(branch, tag):
    assert tags.branch_tag(branch) == tag
    assert tags.is_valid_tag(tag)


@pytest.mark.parametrize("branch", ["", "///", "日本語", "--"])
def test_branch_without_usable_characters_is_a_clear_error(branch):
    with pytest.raises(InvalidReference, match="no usable tag"):
        tags.branch_tag(branch)


def test_environment_tag():
    assert tags.environment_tag("staging", dt.date(2026, 12, 4)) == "staging-2026-12-04"
    assert tags.environment_tag("Prod", "2026-01-31") == "prod-2026-01-31"
    assert tags.environment_tag("qa").startswith("qa-20")
    with pytest.raises(LabkitError, match="not a date"):
        tags.environment_tag("qa", "31/01/2026")
    with pytest.raises(InvalidReference):
        tags.environment_tag("")


def test_plan_returns_full_references_most_specific_first():
    planned = tags.plan(
        "127.0.0.1:5000/team/app", version="1.2.3", git_sha="abc1234def", branch="feature/Login_Page",
        environment="staging", date="2026-12-04", published=["1.2.2", "1.3.0"],
    )
    assert planned == [
        "127.0.0.1:5000/team/app:1.2.3",
        "127.0.0.1:5000/team/app:1.2",
        "127.0.0.1:5000/team/app:sha-abc1234",
        "127.0.0.1:5000/team/app:feature-login_page",
        "127.0.0.1:5000/team/app:staging-2026-12-04",
    ]
    assert all(tags.is_valid(ref, new_tag=True) for ref in planned)
    assert tags.plan("app", version="1.0.0") == ["app:1.0.0", "app:1.0", "app:1", "app:latest"]
    assert tags.plan("app", version="1.0.0", latest=False) == ["app:1.0.0", "app:1.0", "app:1"]


def test_plan_refuses_bad_input():
    with pytest.raises(InvalidReference, match="without a tag"):
        tags.plan("app:1", version="1.0.0")
    with pytest.raises(InvalidReference, match="lowercase"):
        tags.plan("Team/App", version="1.0.0")
    with pytest.raises(InvalidReference, match="semantic version"):
        tags.plan("app", version="one")
    with pytest.raises(LabkitError, match="nothing to plan"):
        tags.plan("app")


# --- command line -----------------------------------------------------------------------------------


def test_cli_plan_prints_one_reference_a_line():
    result = CliRunner().invoke(
        tags.tags_app, ["plan", "localhost:5000/app", "--version", "2.0.0", "--sha", "abcdef1234", "--published", "1.0.0,2.1.0", "--published", "1.9.0"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["localhost:5000/app:2.0.0", "localhost:5000/app:2.0", "localhost:5000/app:sha-abcdef1"]  # 2 and latest stay on 2.1.0


def test_cli_plan_latest_policy():
    moves = CliRunner().invoke(tags.tags_app, ["plan", "app", "--version", "3.0.0"])
    stays = CliRunner().invoke(tags.tags_app, ["plan", "app", "--version", "3.0.0", "--no-latest"])
    assert "app:latest" in moves.output.splitlines()
    assert stays.output.splitlines() == ["app:3.0.0", "app:3.0", "app:3"]


def test_cli_plan_failure_is_a_labkit_error():
    result = CliRunner().invoke(tags.tags_app, ["plan", "app", "--version", "nope"])
    assert isinstance(result.exception, InvalidReference)


def test_main_cli_has_the_tags_command():
    from labkit.cli import app

    result = CliRunner().invoke(app, ["tags", "plan", "app", "--branch", "feature/X"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "app:feature-x"
