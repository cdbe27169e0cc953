"""Command 1 of the README, end to end: `./workbook lab` sets up and JupyterLab answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.engine
def test_workbook_lab_sets_up_and_serves_the_first_notebook(engine, tmp_path):
    port = free_port()
    log = tmp_path / "lab.log"
    with log.open("w") as sink:
        lab = subprocess.Popen(
            [str(REPO / "workbook"), "lab", "--no-browser", f"--port={port}", "--ServerApp.token=workbook-test"],
            cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")},
        )
    try:
        url = f"http://127.0.0.1:{port}/api/contents/notebooks/00-setup-check.ipynb?content=0&token=workbook-test"
        deadline = time.monotonic() + 300
        while True:
            assert lab.poll() is None, f"./workbook lab exited with {lab.returncode}:\n{log.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, f"JupyterLab did not answer:\n{log.read_text()[-2000:]}"
                time.sleep(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=workbook-test", timeout=10) as page:
            assert page.status == 200 and b"JupyterLab" in page.read()
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=60)
