"""A real registry on the engine: push tags, read them back over the registry API, move latest, pull by digest."""

from __future__ import annotations

import uuid

import pytest

import labkit
from labkit import labels, tags
from labkit.registry import PublishSettings, local_registry, publish_settings

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def registry_image(engine):
    from labkit import bases

    bases.ensure(["registry:2"])
    return "registry:2"


def _tiny_image(tmp_path, content: str) -> str:
    """Build a busybox image holding ``content``; its local tag."""
    context = tmp_path / content
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM busybox\nRUN echo {content} > /content.txt\n")
    tag = f"labkit-test/registry-app:{content}-{uuid.uuid4().hex[:8]}"
    labkit.build(context, tag=tag, progress=None)
    return tag


def _registry_containers(engine) -> list[str]:
    return [
        c.id
        for c in engine.containers.list(all=True, filters={"label": f"{labels.PURPOSE}=registry"})
        if labels.is_managed(c.labels, session=labels.SESSION_ID)
    ]


def test_push_two_tags_move_latest_and_pull_the_old_digest(engine, registry_image, tmp_path):
    first = _tiny_image(tmp_path, "one")
    second = _tiny_image(tmp_path, "two")
    first_id = engine.api.inspect_image(first)["Id"]

    with local_registry(registry_image) as registry:
        assert registry.address.startswith("127.0.0.1:")
        assert registry.catalog() == [] and registry.tags("app") == []

        # one image, every tag labkit.tags plans for its first release
        planned = tags.plan(f"{registry.address}/app", version="1.0.0")
        assert planned[0] == f"{registry.address}/app:1.0.0" and planned[-1] == f"{registry.address}/app:latest"
        pushed = [registry.push(first, as_=ref) for ref in planned]
        assert registry.tags("app") == sorted(["1.0.0", "1.0", "1", "latest"])
        assert registry.catalog() == ["app"]
        old = registry.digest("app", "1.0.0")
        assert old.startswith("sha256:") and len(old) == 71
        assert {p.digest for p in pushed} == {old}
        assert {registry.digest("app", t) for t in registry.tags("app")} == {old}

        # a new build pushed to latest: latest moves, 1.0.0 stays
        moved = registry.push(second, as_="app:latest")
        assert moved.reference == f"{registry.address}/app:latest"
        assert moved.digest != old
        assert registry.digest("app", "latest") == moved.digest
        assert registry.digest("app", "1.0.0") == old

        # the old content is still there by digest, and it is the first build
        engine.api.remove_image(f"{registry.address}/app:1.0.0", noprune=True)
        assert registry.pull(f"app@{old}") == first_id
        assert registry.pull("app:latest") == engine.api.inspect_image(second)["Id"]

        # asking about a tag the registry does not have says which it has
        with pytest.raises(labkit.LabkitError, match="has no tag 'nope'"):
            registry.digest("app", "nope")
        address = registry.address
        container_id = registry.container.id

    assert container_id not in _registry_containers(engine)
    leftovers = [t for image in engine.images.list() for t in image.tags if t.startswith(address)]
    assert leftovers == []


def test_push_of_a_name_already_in_the_registry_and_of_a_familiar_name(engine, registry_image, tmp_path):
    image = _tiny_image(tmp_path, "three")
    with local_registry(registry_image) as registry:
        remote = f"{registry.address}/team/three:v1"
        engine.api.tag(image, remote)
        assert registry.push(remote).reference == remote
        engine.api.remove_image(remote, noprune=True)
        pushed = registry.push(image)  # labkit-test/registry-app:three-… keeps its path and tag
        assert pushed.reference == f"{registry.address}/{image}"
        assert registry.tags("labkit-test/registry-app") == [image.split(":")[1]]
        assert registry.catalog() == ["labkit-test/registry-app", "team/three"]
        assert registry.tags(f"{registry.address}/team/three") == ["v1"]


def test_a_registry_that_never_answers_is_removed_and_its_log_reported(engine, tmp_path):
    (tmp_path / "Dockerfile").write_text('FROM busybox\nCMD ["sh", "-c", "echo not a registry; exec sleep 120"]\n')
    silent = f"labkit-test/silent:{uuid.uuid4().hex[:8]}"
    labkit.build(tmp_path, tag=silent, progress=None)
    before = set(_registry_containers(engine))
    with pytest.raises(labkit.EngineError, match="did not answer on /v2/ within 3 s") as caught:
        with local_registry(silent, timeout=3):
            pytest.fail("a registry that never answered was yielded")
    assert "not a registry" in caught.value.message  # the container log
    assert set(_registry_containers(engine)) == before


def test_a_registry_image_that_exits_at_once_is_reported(engine):
    before = set(_registry_containers(engine))
    with pytest.raises(labkit.EngineError, match="no published port 5000|did not answer"):
        with local_registry("busybox", timeout=3):  # busybox's sh exits at once
            pytest.fail("a registry that exited was yielded")
    assert set(_registry_containers(engine)) == before


def test_publish_settings_defaults_and_environment():
    assert publish_settings({}) == PublishSettings("localhost:5000", "workbook", "hello", "0.1.0")
    assert publish_settings({}).reference == "localhost:5000/workbook/hello:0.1.0"
    custom = publish_settings({"REGISTRY": "ghcr.io", "NAMESPACE": "acme/tools", "IMAGE_NAME": "api", "VERSION": "2.1.0"})
    assert str(custom) == "ghcr.io/acme/tools/api:2.1.0"
    hub = publish_settings({"REGISTRY": "", "NAMESPACE": "", "IMAGE_NAME": "api", "VERSION": "1"})
    assert hub.repository == "api" and tags.parse(hub.reference).normalised == "docker.io/library/api:1"


@pytest.mark.parametrize(
    ("environ", "why"),
    [
        ({"REGISTRY": "http://localhost:5000"}, "is a URL"),
        ({"REGISTRY": "myregistry"}, "Docker Hub namespace"),
        ({"IMAGE_NAME": "My App"}, "lowercase"),
        ({"VERSION": "-1"}, "starts with '-'"),
        ({"IMAGE_NAME": ""}, "IMAGE_NAME is empty"),
        ({"REGISTRY": "bad_host.example.com"}, "not a valid registry host"),
    ],
)
def test_publish_settings_refuse_what_docker_would(environ, why):
    with pytest.raises(labkit.LabkitError, match=why):
        publish_settings(environ)
