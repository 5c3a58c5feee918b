"""The library entry points: each runs the pipeline stages for one command.

    load -> validate -> decompose -> emit -> render -> write

`nanogen.cli` calls these with keyword arguments and prints what they
return; tests and plugins can call them directly. Nothing here prints.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nanogen.decompose import decompose_capabilities
from nanogen.emit import dump_document, emit_document, validate_document
from nanogen.errors import InputError, NanogenError, Problem
from nanogen.load import Loaded, load_file
from nanogen.render import Generator, find_generator
from nanogen.spec import Nanoservice, RenderedFile
from nanogen.validate import check_capabilities
from nanogen.workspace import support_files
from nanogen.write import WritePlan, WriteReport, apply_write, plan_write

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "nanogen.yaml"
DEFAULT_TARGET = "python-fastapi"

# Called before each nanoservice is rendered, with its index and the total.
ProgressCallback = Callable[[int, int], None]


@dataclass
class GenerateResult:
    """What `generate` planned and, unless it was a dry run, wrote."""

    root: Path
    nanoservices: list[Nanoservice]
    plan: WritePlan
    report: WriteReport | None
    warnings: list[Problem] = field(default_factory=list)


def validate(config: Path, *, strict: bool = False) -> list[Problem]:
    """Check a capability list and return its warnings; write nothing.

    Raises `InputError` with every problem when the list has errors, or
    when `strict` is set and it has warnings.
    """
    return _load_checked(config, strict=strict)[1]


def _load_checked(config: Path, *, strict: bool) -> tuple[Loaded, list[Problem]]:
    loaded = load_file(config)
    warnings = check_capabilities(loaded)
    if strict and warnings:
        raise InputError(
            [
                Problem(
                    w.message,
                    w.hint,
                    file=w.file,
                    line=w.line,
                    key_path=w.key_path,
                )
                for w in warnings
            ]
        )
    return loaded, warnings


def generate(
    *,
    config: Path,
    output: Path | None = None,
    template_dir: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    on_nanoservice: ProgressCallback | None = None,
) -> GenerateResult:
    """Generate every nanoservice of a capability list into a workspace.

    Every file is rendered in memory and the whole set planned against the
    disk before the first write, so a failure in any stage leaves the
    previous output as it was.
    """
    loaded, warnings = _load_checked(config, strict=strict)
    root = output if output is not None else config.parent
    target = str(loaded.data.get("target") or DEFAULT_TARGET)
    generator = find_generator(target, template_dir)

    nanoservices = decompose_capabilities(loaded.data, source_file=config.name)
    files: list[RenderedFile] = support_files()
    for index, nanoservice in enumerate(nanoservices):
        if on_nanoservice is not None:
            on_nanoservice(index, len(nanoservices))
        files.extend(_render_nanoservice(nanoservice, generator))

    plan = plan_write(root, files, force=force)
    report = None if dry_run else apply_write(plan)
    return GenerateResult(root, nanoservices, plan, report, warnings)


def _render_nanoservice(
    nanoservice: Nanoservice, generator: Generator
) -> list[RenderedFile]:
    document = emit_document(nanoservice)
    validate_document(document, name=nanoservice.name)
    spec_file = RenderedFile(
        nanoservice.spec_path,
        dump_document(document),
        "generated",
        service=nanoservice.name,
    )
    return [spec_file, *generator.render(nanoservice, document)]


def run_tests(*, workspace: Path, pytest_args: tuple[str, ...] = ()) -> int:
    """Run every generated test suite of a workspace in one pytest process.

    Returns pytest's exit status.
    """
    services = workspace / "services"
    if not services.is_dir():
        raise NanogenError(
            f"{workspace / 'services'}: folder not found; "
            "run `nanogen generate` in the workspace first."
        )
    command = [sys.executable, "-m", "pytest", "services", *pytest_args]
    logger.info("running %s in %s", " ".join(command), workspace)
    environment = dict(os.environ)
    return subprocess.call(command, cwd=workspace, env=environment)
