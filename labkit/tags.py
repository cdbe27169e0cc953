"""Image references exactly as Docker parses them, and tag strategies for publishing.

A reference is ``[domain[:port]/]path[:tag][@digest]``. Docker decides what the
first ``/``-separated part is by looking at it, not by asking DNS: it is a
registry host when it contains a ``.`` or a ``:`` or is ``localhost``;
otherwise it is the first path component and the image lives on Docker Hub,
where one-part names get the ``library/`` namespace::

    busybox                  -> docker.io/library/busybox:latest
    team/app:1.2             -> docker.io/team/app:1.2
    localhost:5000/app       -> localhost:5000/app:latest
    index.docker.io/busybox  -> docker.io/library/busybox:latest

The rules follow the grammar of Docker's reference parser (github.com/distribution/reference,
as vendored by Docker Engine 20.10, i.e. docker/distribution 2.8), re-implemented here
and checked against a real engine by ``tests/integration/test_tags_engine.py``:

* path components are lowercase letters and digits, joined by one ``.``, one or
  two ``_``, or any number of ``-`` (never at either end);
* a host is DNS-like labels (letters, digits, inner ``-``, any case) with an
  optional ``:port``;
* a tag is 1 to 128 of ``[A-Za-z0-9_.-]`` and does not start with ``.`` or ``-``;
* a digest is ``algorithm:hex``; Docker knows sha256 (64 lowercase hex), sha384
  (96) and sha512 (128);
* the whole name, host and ``docker.io/library/`` included, is at most 255 characters;
* a bare 64-character hex string is refused (it would look like an image ID).

Newer engines and CLIs use the newer github.com/distribution/reference, whose
current version also accepts bracketed IPv6 hosts (``[::1]:5000/app``), treats
an uppercase first part (``Registry/app``) as a host, and counts only the path
towards the 255 characters. Engine 20.10 rejects all three, and so does this
module; on a newer engine the differential test reports exactly those.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Optional

import typer

from ._exceptions import InvalidReference, LabkitError

__all__ = [
    "Reference",
    "InvalidReference",
    "parse",
    "is_valid",
    "is_valid_tag",
    "semver_tags",
    "sha_tag",
    "branch_tag",
    "environment_tag",
    "plan",
    "tags_app",
]

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_NAMESPACE = "library"
DEFAULT_TAG = "latest"
#: Longest repository name Docker accepts, counting the registry host.
NAME_MAX = 255
TAG_MAX = 128
#: Digest algorithms Docker can verify, and the length of their hex encoding.
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}

# The grammar, piece by piece (ASCII only: Go's \w is [0-9A-Za-z_], Python's is Unicode).
_ALNUM = "[a-z0-9]+"
_SEPARATOR = "(?:[._]|__|-+)"
_PATH_COMPONENT = f"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_PATH = f"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_HOST_LABEL = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*(?::[0-9]+)?"
_TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,%d}" % (TAG_MAX - 1)
_DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"

PATH_COMPONENT_RE = re.compile(_PATH_COMPONENT)
PATH_RE = re.compile(_PATH)
DOMAIN_RE = re.compile(_DOMAIN)
TAG_RE = re.compile(_TAG)
DIGEST_RE = re.compile(_DIGEST)
IMAGE_ID_RE = re.compile("[a-f0-9]{64}")

_HINT_PATH = "path parts are lowercase letters and digits, joined by one '.', one or two '_', or dashes, e.g. team/my-app"
_HINT_TAG = "a tag is up to 128 of A-Z a-z 0-9 _ . - and starts with a letter, digit or '_', e.g. 1.2.3 or feature-login"


@dataclass(frozen=True)
class Reference:
    """A parsed image reference. ``domain`` is ``docker.io`` for Docker Hub; ``tag`` and ``digest`` are None when absent."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name: ``docker.io/library/busybox``."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def familiar_name(self) -> str:
        """The repository name as Docker prints it: ``busybox``, ``team/app``, ``localhost:5000/app``."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        namespace, _, rest = self.path.partition("/")
        if namespace == OFFICIAL_NAMESPACE and rest and "/" not in rest:
            return rest
        return self.path

    def _suffix(self) -> str:
        tag = self.tag if self.tag is not None else (None if self.digest else DEFAULT_TAG)
        return (f":{tag}" if tag is not None else "") + (f"@{self.digest}" if self.digest else "")

    @property
    def familiar(self) -> str:
        """The short form Docker shows in ``docker images`` and RepoTags: ``busybox:latest``."""
        return self.familiar_name + self._suffix()

    @property
    def normalised(self) -> str:
        """The full form: ``docker.io/library/busybox:latest`` (``latest`` only when there is no tag and no digest)."""
        return self.name + self._suffix()

    def with_tag(self, tag: str) -> Reference:
        """The same repository with another tag (and no digest); raises :class:`InvalidReference` for a bad tag."""
        _check_tag(tag)
        return Reference(self.domain, self.path, tag, None)

    def __str__(self) -> str:
        return self.normalised


def _fail(reference: str, why: str, hint: str | None = None) -> InvalidReference:
    return InvalidReference(f"invalid reference {reference!r}: {why}", hint=hint)


def _split_domain(name: str) -> tuple[str, str]:
    """Docker's rule: the first part is a host when it has '.' or ':' or is 'localhost'."""
    first, slash, rest = name.partition("/")
    if slash and (first == "localhost" or "." in first or ":" in first):
        return (DEFAULT_DOMAIN if first == LEGACY_DEFAULT_DOMAIN else first), rest
    return DEFAULT_DOMAIN, name


def _explain_path(path: str) -> str:
    """Why a path that failed the grammar is invalid, in words."""
    if path == "":
        return "the repository name is empty"
    if path.lower() != path:
        return f"repository name must be lowercase ({path!r})"
    for component in path.split("/"):
        if component == "":
            return "a path part is empty (a leading, trailing or doubled '/')"
        if PATH_COMPONENT_RE.fullmatch(component):
            continue
        bad = sorted({c for c in component if not (c.isascii() and (c.isalnum() or c in "._-"))})
        if bad:
            return f"path part {component!r} contains {''.join(bad)!r}"
        if component[0] in "._-" or component[-1] in "._-":
            return f"path part {component!r} starts or ends with a separator"
        return f"path part {component!r} has a separator Docker does not allow (only '.', '_', '__' or dashes between letters and digits)"
    return f"{path!r} is not a valid repository path"


def _check_tag(tag: str, reference: str | None = None) -> None:
    if TAG_RE.fullmatch(tag):
        return
    where = f"invalid reference {reference!r}: " if reference is not None else ""
    if tag == "":
        why = "the tag after ':' is empty"
    elif len(tag) > TAG_MAX:
        why = f"the tag is {len(tag)} characters long; the limit is {TAG_MAX}"
    elif tag[0] in ".-":
        why = f"tag {tag!r} starts with {tag[0]!r}"
    else:
        bad = sorted({c for c in tag if not (c.isascii() and (c.isalnum() or c in "._-"))})
        why = f"tag {tag!r} contains {''.join(bad)!r}"
    raise InvalidReference(f"{where}{why}", hint=_HINT_TAG)


def _check_digest(digest: str, reference: str) -> None:
    if not DIGEST_RE.fullmatch(digest):
        raise _fail(reference, f"digest {digest!r} is not algorithm:hex (at least 32 hex digits)", "a digest looks like sha256:<64 lowercase hex digits>")
    algorithm, _, encoded = digest.partition(":")
    if algorithm not in DIGEST_HEX_LENGTHS:
        raise _fail(reference, f"unsupported digest algorithm {algorithm!r}", f"Docker knows {', '.join(DIGEST_HEX_LENGTHS)}")
    if len(encoded) != DIGEST_HEX_LENGTHS[algorithm]:
        raise _fail(reference, f"a {algorithm} digest has {DIGEST_HEX_LENGTHS[algorithm]} hex digits, this one {len(encoded)}", "copy the whole digest")
    if encoded.lower() != encoded:
        raise _fail(reference, f"the {algorithm} digest must be lowercase hex", "copy the digest as `docker images --digests` prints it")


def parse(reference: str, *, new_tag: bool = False) -> Reference:
    """Parse an image reference the way the Docker engine does, or raise :class:`InvalidReference` saying why.

    With ``new_tag=True`` also apply the engine's rules for *creating* a tag
    (``docker tag``, ``docker build -t``): no digest, and not the bare name ``sha256``.
    """
    if not isinstance(reference, str):
        raise InvalidReference(f"an image reference is a string, not {type(reference).__name__}")
    if reference == "":
        raise InvalidReference("invalid reference '': an image reference cannot be empty")
    if IMAGE_ID_RE.fullmatch(reference):
        raise _fail(reference, "a 64-character hex string is an image ID, not a repository name", "give the image a name, e.g. myapp:1.0")
    # '@' only ever starts the digest; the tag is the part after the first ':' of the last path part.
    name_and_tag, at, digest = reference.partition("@")
    if at and "@" in digest:
        raise _fail(reference, "more than one '@'")
    head, slash, last = name_and_tag.rpartition("/")
    last_name, colon, tag = last.partition(":")
    name = head + slash + last_name
    domain, path = _split_domain(name)
    if path.lower() != path:
        raise _fail(reference, f"repository name must be lowercase ({path!r})", _HINT_PATH)
    if colon:
        _check_tag(tag, reference)
    if at:
        _check_digest(digest, reference)
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"{OFFICIAL_NAMESPACE}/{path}"
    if not DOMAIN_RE.fullmatch(domain) and domain != DEFAULT_DOMAIN:
        # Not a host after all: Docker then reads the whole name as a path, and it may still be valid (a_b.c/app).
        if ":" in domain or not PATH_RE.fullmatch(f"{domain}/{path}"):
            if domain.startswith("["):
                raise _fail(reference, f"bracketed IPv6 registry hosts ({domain}) are not accepted by Docker Engine 20.10's parser", "use a host name or an IPv4 address")
            if ":" not in domain and domain.lower() != domain:
                raise _fail(reference, f"repository name must be lowercase ({domain!r})", _HINT_PATH)
            raise _fail(reference, f"{domain!r} is neither a registry host (letters, digits, inner '-', '.', optional :port) nor a path part", _HINT_PATH)
        domain, path = "", f"{domain}/{path}"
    elif not PATH_RE.fullmatch(path):
        raise _fail(reference, _explain_path(path), _HINT_PATH)
    full_name = f"{domain}/{path}" if domain else path
    if len(full_name) > NAME_MAX:
        raise _fail(
            reference,
            f"repository name must not be more than {NAME_MAX} characters ({full_name[:40]}… has {len(full_name)}, counting the registry)",
            "shorten the repository path",
        )
    parsed = Reference(domain, path, tag if colon else None, digest if at else None)
    if new_tag:
        if parsed.digest:
            raise _fail(reference, "a new tag cannot carry a digest (a digest names content, it cannot be moved)", "drop the @sha256:… part")
        if parsed.familiar_name == "sha256":
            raise _fail(reference, "Docker refuses the repository name 'sha256': it would be confused with a digest", "choose another name")
    return parsed


def is_valid(reference: str, *, new_tag: bool = False) -> bool:
    """True when Docker would accept the reference (as a new tag, with ``new_tag``)."""
    try:
        parse(reference, new_tag=new_tag)
    except InvalidReference:
        return False
    return True


def is_valid_tag(tag: str) -> bool:
    """True when ``tag`` (the part after ':') is a valid Docker tag."""
    return isinstance(tag, str) and TAG_RE.fullmatch(tag) is not None


# --- tag strategies ---------------------------------------------------------------------------

#: SemVer 2.0.0: MAJOR.MINOR.PATCH, optional -pre.release and +build, no leading zeros.
_NUMBER = "0|[1-9][0-9]*"
_PRE_ID = "0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*"
SEMVER_RE = re.compile(
    rf"v?(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>(?:{_PRE_ID})(?:\.(?:{_PRE_ID}))*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


@dataclass(frozen=True)
class SemVer:
    """A SemVer 2.0.0 version; compare with :meth:`key`."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: str | None = None

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = SEMVER_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidReference(
                f"{text!r} is not a semantic version",
                hint="use MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 1.2.3 or 1.3.0-rc.1 (semver.org)",
            )
        pre = tuple(match["pre"].split(".")) if match["pre"] else ()
        return cls(int(match["major"]), int(match["minor"]), int(match["patch"]), pre, match["build"])

    @property
    def prerelease(self) -> bool:
        return bool(self.pre)

    def key(self) -> tuple:
        """Precedence as SemVer defines it: a pre-release sorts before its release; build data is ignored."""
        pre_key = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre_key)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += "-" + ".".join(self.pre)
        if self.build:
            text += "+" + self.build
        return text

    @property
    def tag(self) -> str:
        """The version as a Docker tag: '+' is not allowed in tags, so build data joins with '_'."""
        return str(self).replace("+", "_")


def _semvers(published: Iterable[str]) -> list[SemVer]:
    found = []
    for text in published:
        try:
            found.append(SemVer.parse(text))
        except InvalidReference:
            continue  # `latest`, `1.2`, `sha-…`: not full versions, ignore
    return found


def semver_tags(version: str, published: Iterable[str] = (), *, latest: bool = True) -> list[str]:
    """The tags one release gets: ``1.2.3`` -> ``1.2.3``, ``1.2``, ``1`` (and ``latest``).

    A floating tag (``1.2``, ``1``, ``latest``) only moves when this release is
    the highest stable one it would cover among ``published`` (tags that are not
    full versions are ignored), so a hotfix for an old line never drags
    ``latest`` backwards. Pre-releases get only their own tag. Major version 0
    gets no bare ``0`` tag: SemVer promises nothing across 0.x releases.
    """
    this = SemVer.parse(version)
    tags = [this.tag]
    if this.prerelease:
        return tags
    stable = [v for v in _semvers(published) if not v.prerelease]

    def highest_of(covered) -> bool:
        return all(this.key() >= other.key() for other in stable if covered(other))

    if highest_of(lambda v: (v.major, v.minor) == (this.major, this.minor)):
        tags.append(f"{this.major}.{this.minor}")
    if this.major > 0 and highest_of(lambda v: v.major == this.major):
        tags.append(f"{this.major}")
    if latest and highest_of(lambda v: True):
        tags.append(DEFAULT_TAG)
    return tags


def sha_tag(git_sha: str, *, length: int = 7) -> str:
    """``sha-abc1234`` from a git commit id (at least 7 hex digits)."""
    text = (git_sha or "").strip().lower()
    if not re.fullmatch("[0-9a-f]{7,64}", text):
        raise InvalidReference(f"{git_sha!r} is not a git commit id", hint="give at least 7 hex digits, e.g. from `git rev-parse HEAD`")
    return f"sha-{text[:length]}"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_.-]+", "-", text.strip().lower())
    slug = re.sub(r"-{2,}", "-", slug)
    return slug.lstrip(".-")[:TAG_MAX].rstrip(".-")


def branch_tag(branch: str) -> str:
    """A git branch name made into a tag: ``feature/Login_Page`` -> ``feature-login_page``."""
    name = (branch or "").strip()
    for prefix in ("refs/heads/", "refs/tags/"):
        name = name.removeprefix(prefix)
    slug = _slug(name)
    if not is_valid_tag(slug):
        raise InvalidReference(
            f"branch name {branch!r} leaves no usable tag after dropping characters Docker does not allow",
            hint="name the branch with letters, digits, '/', '_', '.' or '-'",
        )
    return slug


def environment_tag(environment: str, date: _dt.date | str | None = None) -> str:
    """``staging-2026-12-04``: the environment and the (UTC, default today's) date."""
    slug = _slug(environment or "")
    if not slug or not is_valid_tag(slug):
        raise InvalidReference(f"environment name {environment!r} cannot become a tag", hint="use letters, digits and '-', e.g. staging")
    if date is None:
        when = _dt.datetime.now(_dt.timezone.utc).date()
    elif isinstance(date, _dt.date):
        when = date
    else:
        try:
            when = _dt.date.fromisoformat(str(date))
        except ValueError as err:
            raise LabkitError(f"{date!r} is not a date", hint="write dates as YYYY-MM-DD") from err
    return f"{slug}-{when:%Y-%m-%d}"


def plan(
    image: str,
    *,
    version: str | None = None,
    git_sha: str | None = None,
    branch: str | None = None,
    environment: str | None = None,
    date: _dt.date | str | None = None,
    published: Sequence[str] = (),
    latest: bool = True,
) -> list[str]:
    """Every reference to push for one build, most specific first: versions, ``latest``, SHA, branch, environment.

    ``image`` is a repository without tag (``registry.example.com/team/app``);
    the results keep it as written (familiar form) and each is checked to be a
    tag Docker would create. ``latest=False`` is the policy of teams that never
    deploy ``latest``: releases then move only their version tags.
    """
    repository = parse(image, new_tag=True)
    if repository.tag is not None:
        raise InvalidReference(f"give the image without a tag, not {image!r}", hint=f"e.g. {repository.familiar_name}")
    tags: list[str] = []
    if version is not None:
        tags += semver_tags(version, published, latest=latest)
    if git_sha is not None:
        tags.append(sha_tag(git_sha))
    if branch is not None:
        tags.append(branch_tag(branch))
    if environment is not None:
        tags.append(environment_tag(environment, date))
    if not tags:
        raise LabkitError("nothing to plan: no version, git SHA, branch or environment given", hint="pass at least one of them")
    references: list[str] = []
    for tag in tags:
        reference = repository.with_tag(tag).familiar
        parse(reference, new_tag=True)
        if reference not in references:
            references.append(reference)
    return references


# --- command line -----------------------------------------------------------------------------

tags_app = typer.Typer(help="Plan image tags (semantic versions, git SHA, branch, environment) and check references.", no_args_is_help=True)


@tags_app.command("plan")
def plan_command(
    image: Annotated[str, typer.Argument(help="Repository without tag, e.g. registry.example.com/team/app.")],
    version: Annotated[Optional[str], typer.Option("--version", help="Semantic version of this build, e.g. 1.2.3.")] = None,
    sha: Annotated[Optional[str], typer.Option("--sha", help="Git commit id.")] = None,
    branch: Annotated[Optional[str], typer.Option("--branch", help="Git branch name.")] = None,
    env: Annotated[Optional[str], typer.Option("--env", help="Deployment environment (tagged with today's UTC date).")] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="Date for --env, YYYY-MM-DD (default: today, UTC).")] = None,
    published: Annotated[
        Optional[list[str]], typer.Option("--published", help="Versions already published (repeatable, or comma-separated).")
    ] = None,
    latest: Annotated[bool, typer.Option("--latest/--no-latest", help="Move `latest` to the newest stable release.")] = True,
) -> None:
    """Print one reference a line: every tag this build should be pushed as."""
    already = [item for value in (published or []) for item in re.split(r"[,\s]+", value) if item]
    for reference in plan(image, version=version, git_sha=sha, branch=branch, environment=env, date=date, published=already, latest=latest):
        typer.echo(reference)


@tags_app.command("check")
def check_command(reference: Annotated[str, typer.Argument(help="An image reference, e.g. localhost:5000/app:1.0.")]) -> None:
    """Say whether Docker accepts a reference, and print its full form."""
    typer.echo(parse(reference).normalised)
