"""Reading an image's files back, as the lessons and the grader do."""

from __future__ import annotations

import pytest

import labkit
from labkit import images


@pytest.mark.engine
def test_filesystem_keeps_dotfiles_at_the_root_and_below(engine, tmp_path):
    (tmp_path / ".env").write_text("TOKEN=not-a-real-secret\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".npmrc").write_text("registry=http://example.invalid/\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY .env /.env\nCOPY app /app\n")
    result = labkit.build(tmp_path, progress=None)
    files = images.filesystem(result.image_id)
    assert files["/.env"] == len("TOKEN=not-a-real-secret\n")
    assert "/app/.npmrc" in files
    assert "/env" not in files
