"""labkit.context without an engine: Docker's ignore-file rules, the report, the errors, and recorded regressions.

Expectations marked "engine" were observed on Docker 20.10.24 with BuildKit (the engine this
kit's CI runs); the integration test ``test_context_engine.py`` checks them there again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from contextcases import materialise

from labkit import LabkitError
from labkit import context
from labkit.context import IgnorePatternError, analyse, go_clean, matches, parse_dockerignore, read_dockerignore

REGRESSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "context-regressions.json"
BOTH = ["buildkit", "docker-20.10"]


def tree(root: Path, files: dict[str, str | bytes], dockerfile: bool = True) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    if dockerfile and not (root / "Dockerfile").exists():
        (root / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx\n")
    return root


def excluded(patterns: list[str], path: str, semantics: str, *, is_dir: bool = False) -> bool:
    return matches(patterns, path, semantics=semantics, is_dir=is_dir)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- reading


def test_go_clean_matches_go():
    assert go_clean("") == "."
    assert go_clean("a//b/./c/") == "a/b/c"
    assert go_clean("/../a") == "/a"
    assert go_clean("a/../..") == ".."
    assert go_clean("../../a/./b/..") == "../../a"
    assert go_clean("//a") == "/a"  # posixpath.normpath would keep the double slash
    assert go_clean("./") == "."


def test_reader_comments_blank_lines_and_whitespace():
    text = "# comment\n  # not a comment\n\n   \t\n a b \r\n!  keep.txt \n#!also a comment\nlast"
    assert read_dockerignore(text) == [(2, "# not a comment"), (5, "a b"), (6, "!keep.txt"), (8, "last")]


def test_reader_cleans_and_makes_patterns_relative():
    lines = ["/a", "./b", "c//d/", "x/../y", "/", "!/e", "!./f/", "..", "/../g", "!x/../h"]
    assert [p for _, p in read_dockerignore("\n".join(lines))] == ["a", "b", "c/d", "y", "/", "!e", "!f", "..", "g", "!h"]


def test_reader_strips_a_byte_order_mark_from_the_first_line_only():
    assert read_dockerignore("\ufeffa\n\ufeffb\n".encode()) == [(1, "a"), (2, "\ufeffb")]


def test_reader_trims_what_go_trims_only():
    # Go's TrimSpace leaves the ASCII separators \x1c-\x1f that Python's strip() removes.
    assert read_dockerignore("\x1fa\xa0\n") == [(1, "\x1fa")]


def test_reader_refuses_a_line_go_cannot_scan():
    with pytest.raises(IgnorePatternError, match="64 KiB"):
        read_dockerignore("a" * 70_000)


def test_parse_keeps_line_numbers_and_exceptions():
    patterns = parse_dockerignore("# x\nnode_modules\n!node_modules/keep\n", semantics="buildkit")
    assert [(p.text, p.exclusion, p.line) for p in patterns] == [("node_modules", False, 2), ("!node_modules/keep", True, 3)]
    assert str(patterns[1]) == "!node_modules/keep" and patterns[1].pattern == "node_modules/keep"


# --------------------------------------------------------------------------- bad patterns


@pytest.mark.parametrize("semantics", BOTH)
@pytest.mark.parametrize("line", ["[", "a[", "[]", "[a-]", "[-a]", "[^]", "a\\", "*[", "[a", "x/[z"])
def test_patterns_go_rejects_are_errors(line, semantics):
    with pytest.raises(IgnorePatternError) as caught:
        parse_dockerignore(f"ok\n{line}\n", semantics=semantics)
    assert caught.value.line == 2 and "line 2" in caught.value.message
    assert caught.value.hint  # says what to do
    assert isinstance(caught.value, LabkitError)


@pytest.mark.parametrize("semantics", BOTH)
@pytest.mark.parametrize("line", ["!", "! ", "!/", " !\t"])
def test_a_lone_exclamation_mark_is_an_error(line, semantics):
    with pytest.raises(IgnorePatternError, match="illegal exclusion"):
        parse_dockerignore(line, semantics=semantics)


def test_go_1_19_checks_a_pattern_only_up_to_its_first_mismatch():
    # engine: `a*\` builds on Docker 20.10 (and means a literal `$`); current Go rejects it
    with pytest.raises(IgnorePatternError):
        parse_dockerignore("a*\\", semantics="buildkit")
    assert not excluded(["a*\\"], "abc", "docker-20.10")
    assert excluded(["a*\\"], "ab$", "docker-20.10")


def test_a_regex_error_stops_docker_20_10_only_when_a_path_is_matched(tmp_path):
    # engine: `(` and `a*[` pass the syntax check but fail "to match excludepatterns"
    for line in ["(", "a*[", "[z-a]"]:
        patterns = parse_dockerignore(line, semantics="docker-20.10")
        with pytest.raises(IgnorePatternError, match="rejects"):
            matches(patterns, "x", semantics="docker-20.10")
        ctx = tree(tmp_path / f"ctx{len(line)}{line[0] == '('}", {".dockerignore": line + "\n", "f": ""})
        with pytest.raises(IgnorePatternError):
            analyse(ctx, semantics="docker-20.10")


def test_unicode_scripts_are_refused_as_unsupported():
    with pytest.raises(IgnorePatternError, match="cannot model"):
        matches([r"a\p{Greek}"], "a", semantics="docker-20.10")


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize("semantics", BOTH)
@pytest.mark.parametrize(
    "patterns, path, out",
    [
        (["*.txt"], "a.txt", True),
        (["*.txt"], "sub/a.txt", False),  # * never crosses a folder
        (["*/*.txt"], "sub/a.txt", True),
        (["**/*.txt"], "a.txt", True),
        (["**/*.txt"], "x/y/z/a.txt", True),
        (["**"], "anything/at/all", True),
        (["a/**"], "a/b/c", True),
        (["a/**"], "a", False),
        (["?.py"], "a.py", True),
        (["?.py"], "ab.py", False),
        (["[ab].py"], "b.py", True),
        (["[^a].py"], "a.py", False),
        (["[^a].py"], "c.py", True),
        (["[a-c]"], "b", True),
        (["\\*"], "*", True),
        (["\\*"], "x", False),
        (["a\\?"], "a?", True),
        (["build"], "build/x/y/z.o", True),  # a folder takes everything under it
        (["build"], "src/build", False),  # patterns start at the context root
        (["/build/"], "build/x", True),
        (["*.md", "!README.md"], "README.md", False),
        (["!README.md", "*.md"], "README.md", True),  # the last matching pattern wins
        (["docs", "!docs/keep.md"], "docs/keep.md", False),
        (["docs", "!docs/keep.md"], "docs/other.md", True),
        (["docs", "!docs/a/b/c"], "docs/a/b/c", False),
        (["docs", "!docs/a/b/c"], "docs/a/b/d", True),
        (["*", "!src"], "src/main.py", False),
        (["*", "!src"], "README", True),
        (["."], "a", False),
        (["a.b"], "axb", False),  # a dot is a dot
        (["a$"], "a$", True),
    ],
)
def test_rules_both_generations_share(patterns, path, out, semantics):
    assert excluded(patterns, path, semantics) is out


def test_matches_answers_for_folders_too():
    assert excluded(["build/"], "build", "buildkit", is_dir=True)
    assert not excluded(["build/*"], "build", "buildkit", is_dir=True)


@pytest.mark.parametrize(
    "patterns, path, buildkit, docker_20_10",
    [
        # engine: only `.` and `$` are escaped in 20.10, so these are regular expressions there
        (["a+"], "aa", False, True),
        (["a+"], "a+", True, False),
        (["c|d"], "cx", False, True),
        (["f{"], "f{", True, True),
        (["x{2}"], "xx", False, True),
        (["f(1)"], "f1", False, True),
        # an escaped letter is a Go regular-expression escape in both
        (["f\\d"], "f1", True, True),
        (["f\\d"], "fd", False, False),
        # current BuildKit's shortcut: a leading ** is a suffix test, 20.10 keeps the folder boundary
        (["**.txt"], "deep/down/a.txt", True, False),
        (["**.txt"], ".txt", True, True),
        # engine: 20.10 walks into an excluded folder only for exceptions that literally start with it
        (["a", "!*/keep"], "a/keep", False, True),
        # engine: 20.10 checks one ancestor, as deep as the pattern, below a folder walked for an exception
        (["**/b", "!x/y/b/keep"], "x/y/b/other", True, False),
        # current BuildKit reuses a folder's per-pattern results, skipping patterns it need not test
        (["dir", "!dir/keep", "dir"], "dir/keep", False, True),
    ],
)
def test_where_the_generations_differ(patterns, path, buildkit, docker_20_10):
    assert excluded(patterns, path, "buildkit") is buildkit
    assert excluded(patterns, path, "docker-20.10") is docker_20_10


def test_a_byte_order_mark_inside_a_pattern():
    # engine: Go's text/scanner skips a BOM that starts a pattern, when it becomes a regular expression
    patterns = ["x", "\ufefff"]  # the BOM is not on the first line, so the reader keeps it
    assert excluded(patterns, "f", "docker-20.10")
    assert not excluded(patterns, "f", "buildkit")  # an exact-match pattern is compared as written
    assert excluded(["x", "\ufefff*"], "f1", "buildkit")


def test_go_regular_expression_leaks_are_translated():
    s = "docker-20.10"
    assert excluded(["[[:alpha:]]1"], "b1", s) and not excluded(["[[:alpha:]]1"], "11", s)
    assert excluded(["\\x41"], "A", s)
    assert excluded(["a\\pL"], "aé", s) and not excluded(["a\\pL"], "a1", s)
    assert excluded(["[*]"], "^^]", s)  # `*` becomes `[^/]*` even inside brackets
    assert excluded(["a{,2}"], "a{,2}", s)  # not a repeat in Go: literal braces
    with pytest.raises(IgnorePatternError):
        matches(["a++"], "a", semantics=s)  # Go refuses stacked repetition (Python would not)


def test_semantics_auto_follows_the_environment(monkeypatch):
    context.default_semantics.cache_clear()
    monkeypatch.setenv("LABKIT_CONTEXT_SEMANTICS", "docker-20.10")
    try:
        assert context.default_semantics() == "docker-20.10"
        assert matches(["a+"], "aa")
    finally:
        context.default_semantics.cache_clear()
    with pytest.raises(LabkitError, match="unknown semantics"):
        matches(["a"], "a", semantics="docker-1.0")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- analyse


@pytest.mark.parametrize("semantics", BOTH)
def test_analyse_lists_sizes_and_exclusions(tmp_path, semantics):
    ctx = tree(
        tmp_path,
        {
            ".dockerignore": "node_modules\n*.log\n!keep.log\n",
            "app.py": "x" * 100,
            "keep.log": "k" * 5,
            "debug.log": "d" * 7,
            "node_modules/lib/index.js": "j" * 1000,
            "src/a.py": "a" * 30,
            "src/b.py": "b" * 20,
        },
    )
    report = analyse(ctx, semantics=semantics)
    assert report.files == [".dockerignore", "Dockerfile", "app.py", "keep.log", "src/a.py", "src/b.py"]
    assert report.excluded == ["debug.log", "node_modules/lib/index.js"]
    assert report.excluded_bytes == 1007
    assert report.total_bytes == sum((ctx / f).stat().st_size for f in report.files)
    assert report.ignore_file == ctx / ".dockerignore"
    assert report.largest(3) == [("app.py", 100), ("src/", 50), ("src/a.py", 30)]
    assert report.semantics == semantics
    assert "6 files" in report.summary() and "<table>" in report._repr_html_()


def test_analyse_without_ignore_file_or_dockerfile(tmp_path):
    ctx = tree(tmp_path, {"a": "1", "empty/.keep": ""}, dockerfile=False)
    (ctx / "only-empty").mkdir()
    report = analyse(ctx, semantics="buildkit")
    assert report.files == ["a", "empty/.keep"]  # empty folders are sent, but are not files
    assert report.ignore_file is None and report.dockerfile is None and report.excluded == []


def test_symlinks_are_sent_as_links_not_followed(tmp_path):
    ctx = tree(tmp_path / "ctx", {"real/file": "abc"})
    os.symlink("real", ctx / "link-to-dir")
    os.symlink("/etc/passwd", ctx / "outside")
    report = analyse(ctx, semantics="buildkit")
    assert report.files == ["Dockerfile", "link-to-dir", "outside", "real/file"]
    assert report.sizes["outside"] == len("/etc/passwd")


@pytest.mark.parametrize("semantics", BOTH)
def test_the_dockerfile_and_dockerignore_are_not_sent_when_ignored(tmp_path, semantics):
    # engine: with BuildKit nothing is forced into the context
    ctx = tree(tmp_path, {".dockerignore": "Dockerfile\n.dockerignore\n", "a": ""})
    assert analyse(ctx, semantics=semantics).files == ["a"]


def test_per_dockerfile_ignore_file_wins(tmp_path):
    # engine: sub/Dockerfile.dev.dockerignore replaces .dockerignore entirely
    ctx = tree(
        tmp_path,
        {".dockerignore": "*.txt\n", "sub/Dockerfile.dev": "FROM busybox\n", "sub/Dockerfile.dev.dockerignore": "*.log\n", "x.txt": "", "y.log": ""},
    )
    report = analyse(ctx, dockerfile=ctx / "sub/Dockerfile.dev", semantics="buildkit")
    assert report.ignore_file == ctx / "sub/Dockerfile.dev.dockerignore"
    assert "x.txt" in report.files and "y.log" not in report.files
    # a relative dockerfile= is taken from the context when it isn't found from here
    assert analyse(ctx, dockerfile="sub/Dockerfile.dev", semantics="buildkit").files == report.files
    # the default Dockerfile has its own: Dockerfile.dockerignore
    (ctx / "Dockerfile.dockerignore").write_text("*.py\n")
    assert analyse(ctx, semantics="buildkit").ignore_file == ctx / "Dockerfile.dockerignore"


def test_an_empty_per_dockerfile_ignore_file_still_wins(tmp_path):
    ctx = tree(tmp_path, {".dockerignore": "*.txt\n", "Dockerfile.dockerignore": "", "x.txt": ""})
    report = analyse(ctx, semantics="buildkit")
    assert report.ignore_file == ctx / "Dockerfile.dockerignore" and "x.txt" in report.files


def test_a_folder_named_like_an_ignore_file_does_not_count(tmp_path):
    ctx = tree(tmp_path, {".dockerignore": "*.txt\n", "Dockerfile.dockerignore/inner": "", "x.txt": ""})
    report = analyse(ctx, semantics="buildkit")
    assert report.ignore_file == ctx / ".dockerignore" and "Dockerfile.dockerignore/inner" in report.files


def test_dockerfile_outside_the_context(tmp_path):
    ctx = tree(tmp_path / "ctx", {".dockerignore": "*.txt\n", "x.txt": "", "w.py": ""}, dockerfile=False)
    tree(tmp_path / "elsewhere", {"My.df": "FROM busybox\n", "My.df.dockerignore": "*.py\n"}, dockerfile=False)
    report = analyse(ctx, dockerfile=tmp_path / "elsewhere/My.df", semantics="buildkit")
    assert report.files == [".dockerignore", "x.txt"]


def test_symlinked_ignore_files_count_only_inside_their_folder(tmp_path):
    # engine: a .dockerignore symlink into the context is read; one pointing outside is not
    ctx = tree(tmp_path / "ctx", {"real": "w.py\n", "w.py": "", "x.txt": ""})
    (tmp_path / "ign").write_text("x.txt\n")
    os.symlink("real", ctx / ".dockerignore")
    assert "w.py" not in analyse(ctx, semantics="buildkit").files
    (ctx / ".dockerignore").unlink()
    os.symlink("../ign", ctx / ".dockerignore")
    report = analyse(ctx, semantics="buildkit")
    assert report.ignore_file is None and "x.txt" in report.files


def test_excluded_folders_are_still_counted(tmp_path):
    ctx = tree(tmp_path, {".dockerignore": ".git\n", ".git/objects/ab/cdef": "z" * 500, ".git/HEAD": "ref"})
    report = analyse(ctx, semantics="buildkit")
    assert report.excluded == [".git/HEAD", ".git/objects/ab/cdef"] and report.excluded_bytes == 503
    assert report.secrets == []


def test_secrets_that_would_be_sent(tmp_path):
    ctx = tree(
        tmp_path,
        {
            ".env": "API_KEY=1",
            "config/.env.production": "X=1",
            "keys/id_rsa": "...",
            "keys/id_rsa.pub": "ssh-rsa AAA",
            "tls/server.key": "-----BEGIN PRIVATE KEY-----\n",
            "tls/public.pem": "-----BEGIN CERTIFICATE-----\n",
            ".npmrc": "//registry.npmjs.org/:_authToken=abc\n",
            "web/.npmrc": "save-exact=true\n",
            ".pypirc": "[pypi]\nusername = me\npassword = hunter2\n",
            ".aws/credentials": "[default]\n",
            ".docker/config.json": '{"auths": {"ghcr.io": {"auth": "eA=="}}}',
            "empty-docker/.docker/config.json": '{"auths": {}}',
            "gcp.json": '{"type": "service_account", "private_key": "-----BEGIN"}',
            ".git/HEAD": "ref",
            ".git/config": "",
        },
    )
    found = {f.path: f.reason for f in analyse(ctx, semantics="buildkit").secrets}
    assert sorted(found) == sorted(
        [".env", "config/.env.production", "keys/id_rsa", "tls/server.key", ".npmrc", ".pypirc", ".aws/credentials", ".docker/config.json", "gcp.json", ".git/"]
    )
    assert "history" in found[".git/"]
    html = analyse(ctx, semantics="buildkit")._repr_html_()
    assert "id_rsa" in html and "⚠" in html


def test_ignored_secrets_are_not_reported(tmp_path):
    ctx = tree(tmp_path, {".dockerignore": ".env*\n**/id_rsa\n", ".env": "K=1", "a/id_rsa": "k"})
    assert analyse(ctx, semantics="buildkit").secrets == []


# --------------------------------------------------------------------------- errors


def test_missing_or_wrong_context_is_a_clear_error(tmp_path):
    with pytest.raises(LabkitError, match="not a folder") as caught:
        analyse(tmp_path / "nope")
    assert caught.value.hint
    (tmp_path / "file").write_text("")
    with pytest.raises(LabkitError, match="not a folder"):
        analyse(tmp_path / "file")


def test_missing_explicit_dockerfile_is_an_error(tmp_path):
    with pytest.raises(LabkitError, match="no Dockerfile"):
        analyse(tmp_path, dockerfile="Dockerfile.prod")


def test_bad_pattern_in_the_ignore_file_names_file_and_line(tmp_path):
    ctx = tree(tmp_path, {".dockerignore": "ok\n# c\nsrc/[ab\n"})
    with pytest.raises(IgnorePatternError, match=r"\.dockerignore line 3") as caught:
        analyse(ctx, semantics="buildkit")
    assert caught.value.pattern == "src/[ab"


def test_unreadable_files_are_clear_errors(tmp_path, monkeypatch):
    ctx = tree(tmp_path, {".dockerignore": "secret.bin\n", "secret.bin": "", "data.bin": ""})
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).endswith("bin") and real_access(path, mode))
    with pytest.raises(LabkitError, match="cannot read data.bin") as caught:
        analyse(ctx, semantics="buildkit")
    assert "permission" in caught.value.hint
    (ctx / "data.bin").unlink()
    assert "secret.bin" in analyse(ctx, semantics="buildkit").excluded  # an ignored file need not be readable


def test_unreadable_ignore_file_is_a_clear_error(tmp_path, monkeypatch):
    ctx = tree(tmp_path, {".dockerignore": "a\n"})
    real = Path.read_bytes

    def refuse(self):
        if self.name == ".dockerignore":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(LabkitError, match="cannot read .*dockerignore: Permission denied"):
        analyse(ctx, semantics="buildkit")


def test_unreadable_folder_is_a_clear_error_unless_ignored(tmp_path, monkeypatch):
    ctx = tree(tmp_path, {"locked/a": "", "open/b": ""})
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(LabkitError, match="cannot read folder"):
        analyse(ctx, semantics="buildkit")
    (ctx / ".dockerignore").write_text("locked\n")
    assert analyse(ctx, semantics="buildkit").files == [".dockerignore", "Dockerfile", "open/b"]


# --------------------------------------------------------------------------- regressions


def _regressions() -> list[dict]:
    return json.loads(REGRESSIONS.read_text())


@pytest.mark.parametrize("case", _regressions(), ids=lambda case: case["name"])
def test_recorded_regressions(case, tmp_path):
    """Every case that once disagreed with the engine, with the engine's answer."""
    ctx, dockerfile = materialise(case, tmp_path)
    if case["error"]:
        with pytest.raises(IgnorePatternError):
            analyse(ctx, dockerfile=dockerfile, semantics=case["semantics"])
    else:
        assert analyse(ctx, dockerfile=dockerfile, semantics=case["semantics"]).files == case["expected"]
