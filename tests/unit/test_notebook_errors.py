"""In a notebook, an expected failure reads like the CLI's: one line naming the problem and the fix."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

import labkit


def test_a_labkit_error_in_a_cell_is_one_line_and_other_errors_keep_their_traceback(capsys):
    shell = InteractiveShell.instance()
    shell.run_cell("import labkit\nraise labkit.BuildFailed('build failed at [2/2] RUN exit 7', step='RUN exit 7')")
    shown = capsys.readouterr().out.strip().splitlines()
    assert shown == ["BuildFailed: build failed at [2/2] RUN exit 7 — " + labkit.BuildFailed.hint]
    shell.run_cell("1/0")
    assert "Traceback" in capsys.readouterr().out
