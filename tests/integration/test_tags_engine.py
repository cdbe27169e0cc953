"""labkit.tags against the real engine: generated references, tagged through the API, must get the same verdict.

Each batch of references goes to ``POST /images/{id}/tag`` with the whole
string as ``repo`` (the engine parses it itself; the docker SDK sends it as is,
without checking it first). The engine's accept/refuse must match
``labkit.tags.parse(ref, new_tag=True)``, and for accepted ones the engine's
RepoTags must be labkit's familiar form. Digests cannot be tagged, so
references with digests go to ``GET /images/{ref}/json`` instead: 404 (no such
image) means the engine parsed it, 400/500 means it refused the reference.

The tags land on a throw-away image built for this module (never on busybox
itself), and are removed after every batch. The grammar is the one of Docker
Engine 20.10 (docker/distribution 2.8); see ``labkit/tags.py`` for what newer
engines accept beyond it.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import labkit
from labkit import labels, tags

pytestmark = pytest.mark.engine

# --- what to throw at both ---------------------------------------------------------------------

GOOD_HOSTS = [
    "localhost", "localhost:5000", "127.0.0.1:5000", "10.0.0.1", "registry.example.com", "reg-1.example.io:443",
    "Example.COM", "docker.io", "index.docker.io", "x.y", "foo:5000", "Foo:5000", "ghcr.io", "a--b.example",
]
BAD_HOSTS = [
    "example.com:", "-bad.com", "bad-.com", "[::1]:5000", "[fe80::1]", "ex..ample.com", "e_x.com:80", "a_b.c",
    "LOCALHOST", "host:port", "exa mple.com", "localhost:5000:1", "Foo", ".example.com", "example.com.", "a.b:-1",
]
PATH_WORDS = ["library", "sha256", "sha512", "a", "0", "x__y", "a-----b", "team", "app", "my_app", "v1.2", "a" * 64]
TAG_WORDS = ["latest", "1.2.3", "_x", "v1.0-rc.1", "A", "TAG", "-x", ".x", "x:y", "1", "a" * 64]
ODD_CHARS = "-._:/@ A!é+#%~K\tİ" + "\u212a"
HEX = "0123456789abcdef"


def _host_strategy():
    label = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,6}[A-Za-z0-9])?", fullmatch=True)
    port = st.one_of(st.just(""), st.integers(0, 70000).map(lambda n: f":{n}"))
    return st.builds(lambda parts, p: ".".join(parts) + p, st.lists(label, min_size=1, max_size=3), port)


ALNUM = string.ascii_lowercase + string.digits
TAG_FIRST = string.ascii_letters + string.digits + "_"


@st.composite
def _valid_component(draw) -> str:
    """lowercase letters and digits joined by the separators Docker allows (one '.', one or two '_', dashes)."""
    chunks = draw(st.lists(st.text(alphabet=ALNUM, min_size=1, max_size=5), min_size=1, max_size=4))
    out = chunks[0]
    for chunk in chunks[1:]:
        out += draw(st.sampled_from([".", "_", "__", "-", "--", "---"])) + chunk
    return out


_component = st.one_of(
    _valid_component(),
    st.sampled_from(PATH_WORDS),
    st.text(alphabet=string.ascii_lowercase + string.digits + "._-", min_size=1, max_size=8),
)
_tag = st.one_of(
    st.builds(lambda first, rest: first + rest, st.sampled_from(TAG_FIRST), st.text(alphabet=TAG_FIRST + ".-", max_size=19)),
    st.sampled_from(TAG_WORDS),
    st.integers(125, 131).map(lambda n: "t" * n),
    st.text(alphabet=string.ascii_letters + string.digits + "._-:/@", min_size=0, max_size=10),
)


def _mutate(draw, text: str) -> str:
    how = draw(st.sampled_from(["none", "none", "upper", "insert", "double", "append", "prepend", "delete", "separator", "digest"]))
    at = draw(st.integers(0, max(len(text) - 1, 0)))
    if how == "upper" and text:
        return text[:at] + text[at].upper() + text[at + 1:]
    if how == "insert":
        return text[:at] + draw(st.sampled_from(ODD_CHARS)) + text[at:]
    if how == "double" and text:
        return text[:at] + text[at] + text[at:]
    if how == "append":
        return text + draw(st.sampled_from("-._:/@"))
    if how == "prepend":
        return draw(st.sampled_from("-._:/")) + text
    if how == "delete" and text:
        return text[:at] + text[at + 1:]
    if how == "separator":
        return text[:at] + draw(st.sampled_from(["__", "___", "--", "..", "._", "_.", "-.", ".-", "//"])) + text[at:]
    if how == "digest":
        return text + "@sha256:" + "a" * 64
    return text


@st.composite
def references(draw) -> str:
    """A reference-like string: mostly shaped like a real one, often damaged in one place."""
    host = draw(st.one_of(st.none(), st.sampled_from(GOOD_HOSTS), st.sampled_from(BAD_HOSTS), _host_strategy()))
    components = draw(st.lists(_component, min_size=1, max_size=3))
    if draw(st.integers(0, 9)) == 0:  # near the 255-character limit, host and docker.io/library/ included
        components = ["a" * draw(st.integers(225, 262 - len(host or "")))]
    name = "/".join(([host] if host is not None else []) + components)
    tag = draw(st.one_of(st.none(), _tag))
    return _mutate(draw, name + (f":{tag}" if tag is not None else ""))


@st.composite
def digested_references(draw) -> str:
    """name[:tag]@digest, with digests right and wrong (case, length, algorithm)."""
    name = "/".join(draw(st.lists(st.sampled_from(["busybox", "team", "app", "localhost:5000", "Ex.com"]), min_size=1, max_size=2)))
    tag = draw(st.one_of(st.none(), st.sampled_from(["latest", "1.0", "X"])))
    algorithm = draw(st.sampled_from(["sha256", "sha384", "sha512", "md5", "Sha256", "SHA256", "sha256+b64", "1sha", "sha-256", "blake3"]))
    length = draw(st.sampled_from([31, 32, 63, 64, 65, 96, 128, 129]))
    encoded = "".join(draw(st.lists(st.sampled_from(HEX), min_size=length, max_size=length)))
    if draw(st.booleans()):
        encoded = _mutate(draw, encoded)
    return f"{name}{':' + tag if tag else ''}@{algorithm}:{encoded}"


# --- asking both --------------------------------------------------------------------------------


@dataclass
class Target:
    api: object = field(repr=False)
    image_id: str
    own_tag: str
    existing: dict[str, str] = field(repr=False)  # every tag on the engine before the test -> its image id


@pytest.fixture(scope="module")
def target(engine, tmp_path_factory):
    context = tmp_path_factory.mktemp("tags-target")
    token = uuid.uuid4().hex[:12]
    (context / "Dockerfile").write_text(f"FROM busybox\nLABEL io.labkit.test.tags={token}\n")
    own_tag = f"labkit-test/tags-engine:{token}"
    built = labkit.build(context, tag=own_tag, progress=None)
    existing = {tag: image.id for image in engine.images.list() for tag in image.tags}
    yield Target(engine.api, built.image_id, own_tag, existing)
    engine.images.remove(built.image_id, force=True)


def _labkit_verdict(ref: str, *, new_tag: bool) -> str | None:
    """None when labkit accepts the reference, else its message."""
    try:
        tags.parse(ref, new_tag=new_tag)
    except tags.InvalidReference as err:
        return err.message
    return None


def _engine_tag(target: Target, ref: str) -> str | None:
    """None when the engine tags the image as ``ref``, else the engine's message."""
    from docker.errors import APIError

    try:
        target.api.tag(target.image_id, ref)
    except APIError as err:
        assert err.status_code in (400, 500), f"unexpected engine answer for {ref!r}: {err}"
        return str(err.explanation)
    return None


def _collides(target: Target, ref: str) -> bool:
    """A valid reference naming a tag that exists already: tagging it would move someone's image."""
    try:
        return tags.parse(ref, new_tag=True).familiar in target.existing
    except tags.InvalidReference:
        return False


def compare_tagging(target: Target, refs: list[str]) -> list[str]:
    """Tag each reference on both sides; return every disagreement, in words. Removes what it tagged."""
    problems: list[str] = []
    expected: dict[str, str] = {}
    try:
        for ref in dict.fromkeys(refs):
            if _collides(target, ref):
                continue
            ours, theirs = _labkit_verdict(ref, new_tag=True), _engine_tag(target, ref)
            if (ours is None) != (theirs is None):
                problems.append(f"{ref!r}: labkit {'accepts' if ours is None else 'refuses (' + ours + ')'}, "
                                f"engine {'accepts' if theirs is None else 'refuses (' + theirs + ')'}")
            elif ours is None:
                expected[tags.parse(ref, new_tag=True).familiar] = ref
    finally:
        repo_tags = set(target.api.inspect_image(target.image_id)["RepoTags"]) - {target.own_tag}
        for tag in repo_tags:
            if tag in target.existing:  # the engine moved a tag labkit thought invalid: put it back
                target.api.tag(target.existing[tag], tag)
            else:
                target.api.remove_image(tag, noprune=True)
    for tag in repo_tags - set(expected):
        problems.append(f"engine shows tag {tag!r} that labkit did not predict")
    for familiar, ref in expected.items():
        if familiar not in repo_tags:
            problems.append(f"{ref!r}: labkit predicts RepoTag {familiar!r}, engine shows none of that name")
    return problems


def compare_parsing(target: Target, refs: list[str]) -> list[str]:
    """Ask the engine to create a container from each reference (404: parsed, 400/500: refused), compare with labkit.parse.

    The reference travels in the request body: an image lookup by URL would let the
    engine's router clean the path first (a trailing ``/`` vanishes) and judge another string.
    """
    from docker.errors import APIError, NotFound

    problems = []
    for ref in dict.fromkeys(refs):
        try:
            created = target.api.create_container(image=ref, labels=labels.managed_labels("run"))
            target.api.remove_container(created["Id"], force=True)
            theirs = None
        except NotFound:
            theirs = None
        except APIError as err:
            assert err.status_code in (400, 500), f"unexpected engine answer for {ref!r}: {err}"
            theirs = str(err.explanation)
        ours = _labkit_verdict(ref, new_tag=False)
        if (ours is None) != (theirs is None):
            problems.append(f"{ref!r}: labkit says {ours or 'valid'}, engine says {theirs or 'valid'}")
    return problems


#: A failing batch already lists every disagreement with both verdicts; shrinking it would re-ask the engine for minutes.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]

# --- the tests ----------------------------------------------------------------------------------

HAND_PICKED = [
    "busybox", "busybox:latest", "docker.io/busybox", "index.docker.io/library/busybox:1", "library/x", "docker.io/library/x/y",
    "Foo/bar", "Foo.com/bar", "a/B", "fOo/a:TAG", "x:TAG", "[::1]:5000/foo", "localhost", "localhost:5000", "localhost/x",
    "localhost:5000/x", "loc:5000/a", "a_b.c", "a_b.c/foo", "A_b.c/foo", "x.y/a_b.c", "1.2.3.4:0/a", "a__b", "a___b",
    "a--b", "a.-b", "a..b", "-a", "a-", "/a", "a/", "a//b", "", " a", "a ", "a:", "x:-a", "x:.a", "x:_a", "a:b:c",
    "a:b@", "sha256", "sha256:abc", "library/sha256", "docker.io/sha256:x", "localhost/sha256", "sha512",
    "a" * 64, "a" * 64 + ":tag", "a/" + "a" * 64, "x:" + "t" * 128, "x:" + "t" * 129, "a" * 237, "a" * 238,
    "x/" + "a" * 245, "x/" + "a" * 246, "foo.com/" + "a" * 247, "foo.com/" + "a" * 248, "foo@sha256:" + "a" * 64,
    "-a.b/c", "a-b-.c/x", "foo.com:/a", "foo-.com/a", "docker.io", "docker.io/library", "a.b.c.d.e.f/g", "é", "\u212a",
]


def test_hand_picked_references_get_the_engines_verdict(target):
    assert compare_tagging(target, HAND_PICKED) == []


@settings(max_examples=60, deadline=None, database=None, phases=NO_SHRINK, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(references(), min_size=50, max_size=50, unique=True))
def test_generated_references_get_the_engines_verdict_and_name(target, batch):
    assert compare_tagging(target, batch) == []


@settings(max_examples=15, deadline=None, database=None, phases=NO_SHRINK, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(digested_references(), min_size=40, max_size=40, unique=True))
def test_generated_digests_get_the_engines_verdict(target, batch):
    assert compare_parsing(target, batch) == []


#: Digest references that once disagreed or sit on an edge (a trailing slash once fooled a URL-based oracle).
HAND_PICKED_DIGESTS = [
    "busybox/team:X@sha384:" + "0680f72c2ba8be9e47d7d13081727b40" * 3 + "/",
    "foo@sha256:" + "a" * 64, "foo@sha256:" + "a" * 63, "foo@sha256:" + "A" * 64, "foo@md5:" + "a" * 32,
    "foo@sha512:" + "a" * 128, "foo:tag@sha256:" + "a" * 64, "Foo/bar@sha256:" + "a" * 64,
]


def test_hand_picked_digests_get_the_engines_verdict(target):
    assert compare_parsing(target, HAND_PICKED_DIGESTS) == []
