"""Helpers for testing a generator: render it over sample documents and run the result.

Template authors call these from their own pytest suites:

    from nanogen.render import find_generator
    from nanogen.testing import load_document, render_into, run_pytest

    def test_my_generator_renders(tmp_path):
        ns, document = load_document("tests/documents/shop-send-receipt.json")
        render_into(tmp_path, find_generator("my-generator"), [(ns, document)])
        assert run_pytest(tmp_path / "services").returncode == 0

The sample documents follow the layout `nanogen.emit` produces (see
docs/architecture.md, "The emitted document"), so a generator that renders
them renders what `nanogen generate` hands it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from nanogen.render import Generator, RenderedFile, nanoservice_from_document
from nanogen.spec import Nanoservice

__all__ = [
    "load_document",
    "nanoservice_from_document",
    "render_into",
    "run_pytest",
    "write_files",
]


def load_document(
    path: str | os.PathLike[str], project: str = "sample"
) -> tuple[Nanoservice, dict[str, Any]]:
    """Read a JSON or YAML OpenAPI document and return its nanoservice and the document.

    The nanoservice comes from `nanogen.render.nanoservice_from_document`.
    """
    text = Path(path).read_text(encoding="utf-8")
    document = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    return nanoservice_from_document(document, project), document


def render_into(
    root: Path,
    generator: Generator,
    services: Iterable[tuple[Nanoservice, dict[str, Any]]],
) -> list[RenderedFile]:
    """Render every nanoservice and write the files under `root`; return them.

    User-owned files that already exist are kept, as `nanogen generate` does.
    """
    rendered: list[RenderedFile] = []
    for ns, document in services:
        rendered.extend(generator.render(ns, document))
    write_files(root, rendered)
    return rendered


def write_files(root: Path, files: Iterable[RenderedFile]) -> None:
    """Write rendered files under `root`; an existing user-owned file is left alone."""
    for file in files:
        relative = PurePosixPath(file.path)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"rendered path {file.path!r} leaves the output folder")
        target = root.joinpath(*relative.parts)
        if file.owner == "user" and target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.content, encoding="utf-8", newline="\n")


def run_pytest(
    where: Path,
    *args: str,
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m pytest -W error` over a generated tree in a subprocess.

    The run has no pytest cache, no bytecode files and no plugins from the
    environment, so it leaves the tree as it found it.
    """
    command: Sequence[str] = [
        sys.executable,
        "-m",
        "pytest",
        "-W",
        "error",
        "-p",
        "no:cacheprovider",
        "-q",
        str(where),
        *args,
    ]
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run(
        command,
        cwd=cwd or where,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        stdin=subprocess.DEVNULL,
        check=False,
    )
