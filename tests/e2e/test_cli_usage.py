"""The command line maps every kind of mistake to the documented exit status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from policygen_batch.cli.app import main
from policygen_batch.errors import ExitCode


@pytest.mark.parametrize(
    "argv",
    [
        ["nosuch"],
        ["convert"],
        ["query", "--warehouse", ".", "--format", "bogus", "SELECT 1"],
        ["convert", "x", "--warehouse", "w", "--workers", "many"],
        ["convert", "x", "--warehouse", "w", "--since", "last tuesday"],
    ],
)
def test_bad_command_lines_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown commands, missing arguments and bad option values are usage errors (2)."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == ExitCode.USAGE
    assert "Traceback" not in capsys.readouterr().err


def test_missing_source_is_usage_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A source that does not exist is a usage error that names the path."""
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", str(tmp_path / "absent"), "--warehouse", str(tmp_path / "wh"), "--quiet"])
    assert exit_info.value.code == ExitCode.USAGE
    assert "absent" in capsys.readouterr().err


def test_module_entry_point_and_help() -> None:
    """`python -m policygen_batch --help` lists the commands and exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "policygen_batch", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    for command in ("convert", "query", "catalog", "validate"):
        assert command in done.stdout


def test_the_cli_parses_its_options_before_importing_polars() -> None:
    """convert starts its workers' fork server before this process imports polars and
    Arrow (so that both imports overlap): nothing the command line loads to parse its
    options may import them."""
    probe = (
        "import sys; from policygen_batch.cli.app import build_app; build_app(); "
        "print(sorted(m for m in ('polars', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
