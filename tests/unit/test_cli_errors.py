"""The CLI's last line of defence: expected OS and engine failures print one line, never a traceback."""

from __future__ import annotations

import errno

import pytest
from docker.errors import APIError

from labkit import cli


def run_main_raising(monkeypatch, capsys, failure: BaseException) -> str:
    def explode() -> None:
        raise failure

    monkeypatch.setattr(cli, "app", explode)
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def test_a_full_disk_names_the_file_and_how_to_free_space(monkeypatch, capsys):
    err = run_main_raising(monkeypatch, capsys, OSError(errno.ENOSPC, "No space left on device", "gradebook.csv"))
    assert "No space left on device: gradebook.csv" in err and "labkit clean" in err


def test_an_unwritable_folder_says_to_choose_another(monkeypatch, capsys):
    err = run_main_raising(monkeypatch, capsys, PermissionError(errno.EACCES, "Permission denied", "/srv/feedback"))
    assert "Permission denied: /srv/feedback" in err and "folder you can write" in err


def test_an_engine_refusal_is_one_line_pointing_to_doctor(monkeypatch, capsys):
    err = run_main_raising(monkeypatch, capsys, APIError("500 Server Error", explanation="invalid reference format\nmore detail"))
    assert "invalid reference format" in err and "more detail" not in err and "labkit doctor" in err


def test_build_args_are_name_value_pairs():
    assert cli._build_args(["A=1", "B=x=y", "EMPTY="]) == {"A": "1", "B": "x=y", "EMPTY": ""}
    with pytest.raises(Exception, match="NAME=VALUE"):
        cli._build_args(["NOVALUE"])
