"""`nanogen split` on OpenAPI documents whose structure is broken.

openapi-spec-validator stops with an exception on some of them; nanogen
must report the document's problems and never an internal error.
Each test runs the real command in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEADER = 'openapi: 3.0.3\ninfo: {title: T, version: "1"}\n'

# Documents after HEADER, and a part of the message each must print.
BROKEN = {
    "parameter-without-name": (
        "paths: {/a: {get: {parameters: [{in: query, schema: {type: string}}],"
        ' responses: {"200": {description: ok}}}}}\n',
        "invalid OpenAPI",
    ),
    "parameter-without-in": (
        "paths: {/a: {get: {parameters: [{name: q, schema: {type: string}}],"
        ' responses: {"200": {description: ok}}}}}\n',
        "invalid OpenAPI",
    ),
    "path-item-not-a-mapping": (
        'paths: {/a: {get: {responses: {"200": {description: ok}}}}, /b: 5}\n',
        "paths./b: the path item is not a mapping",
    ),
}


def split(folder: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanogen", "split", name, "--dry-run", "-o", "out"],
        cwd=folder,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_document_gets_message(tmp_path, case):
    text, expected = BROKEN[case]
    (tmp_path / "api.yaml").write_text(HEADER + text, "utf-8")

    completed = split(tmp_path, "api.yaml")

    assert completed.returncode in (0, 1), completed.stderr
    assert "internal error" not in completed.stderr
    assert "Traceback" not in completed.stderr
    assert expected in completed.stderr
    assert not (tmp_path / "out").exists()
