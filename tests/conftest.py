"""Fixtures shared by every test: the `nanogen` command and the golden flag."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the expected trees under tests/golden/ from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@dataclass
class Result:
    """What one run of the `nanogen` command returned."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def runner() -> Callable[..., Result]:
    """Run `nanogen` in a real subprocess of this interpreter."""

    def run(*args: str | os.PathLike[str], cwd: Path | None = None) -> Result:
        completed = subprocess.run(
            [sys.executable, "-m", "nanogen", *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=600,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run
