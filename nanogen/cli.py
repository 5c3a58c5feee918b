"""The `nanogen` command: parses options, calls `nanogen.pipeline`, prints.

This is the only module that prints. Results go to stdout, progress and
per-file verbs to stderr; every `NanogenError` becomes its message on stderr
and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import click

from nanogen import __version__, pipeline
from nanogen.errors import InputError, NanogenError, Problem

logger = logging.getLogger("nanogen")

# Below this many nanoservices a progress bar flashes by and only adds noise.
PROGRESS_BAR_THRESHOLD = 30


class Output:
    """How much the user asked to see: 0 quiet, 1 default, 2 verbose."""

    def __init__(self, level: int) -> None:
        self.level = level

    def info(self, message: str) -> None:
        if self.level >= 1:
            click.echo(message, err=True)

    def detail(self, message: str) -> None:
        if self.level >= 2:
            click.echo(message, err=True)

    def warnings(self, problems: list[Problem]) -> None:
        if self.level >= 1:
            for problem in problems:
                click.echo(str(problem), err=True)


class NanogenGroup(click.Group):
    """A command group that turns nanogen's exceptions into messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NanogenError as error:
            click.echo(_error_text(error), err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("nanogen: interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence
            if logger.isEnabledFor(logging.DEBUG):
                traceback.print_exc()
            click.echo(
                f"nanogen: internal error: {type(error).__name__}: {error}\n"
                "This is a bug in nanogen; rerun with -v to see the traceback "
                "and report it with the input that caused it.",
                err=True,
            )
            ctx.exit(3)


def _error_text(error: NanogenError) -> str:
    if isinstance(error, InputError):
        return str(error)
    return f"nanogen: {error}"


@click.group(cls=NanogenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nanogen")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Show every file written and debug logs on stderr.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print errors only; no progress or summary."
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """Generate nanoservices from capability lists and OpenAPI documents.

    Each capability becomes a standalone OpenAPI 3.1 document, a runnable
    service stub and a test suite that passes out of the box.
    """
    level = 0 if quiet else 2 if verbose else 1
    ctx.obj = Output(level)
    if verbose:
        # Per-file debug records repeat the verbs printed above; -v shows
        # what the library reports at INFO and above.
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)


config_option = click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=pipeline.DEFAULT_CONFIG,
    show_default=True,
    help="Capability list to read.",
)
strict_option = click.option(
    "--strict", is_flag=True, help="Treat warnings as errors and exit non-zero."
)


@main.command()
@click.argument(
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    required=False,
)
@strict_option
@click.pass_obj
def validate(output: Output, file: Path | None, strict: bool) -> None:
    """Check a capability list and report every problem; write nothing.

    FILE defaults to ./nanogen.yaml. Exits 1 when the list has errors (or
    warnings, with --strict).
    """
    path = file if file is not None else Path(pipeline.DEFAULT_CONFIG)
    warnings = pipeline.validate(path, strict=strict)
    output.warnings(warnings)
    output.info(
        f"{path}: valid" + (f", {len(warnings)} warning(s)" if warnings else "")
    )


@main.command()
@config_option
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Workspace folder to write into. Default: the folder of the config.",
)
@click.option(
    "--template",
    "template_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Generator folder to use; its files override the built-in ones of the same name.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite generated files that were edited by hand (a copy is kept).",
)
@click.option(
    "--dry-run", is_flag=True, help="Show what would change and write nothing."
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when any file would change (for CI).",
)
@strict_option
@click.pass_obj
def generate(
    output: Output,
    config: Path,
    output_dir: Path | None,
    template_dir: Path | None,
    force: bool,
    dry_run: bool,
    check: bool,
    strict: bool,
) -> None:
    """Generate every nanoservice of a capability list: specs, services, tests.

    Files marked generated are rewritten; handlers and your own tests are
    created once and never overwritten. A generated file edited by hand is
    reported and left alone unless --force is given.
    """
    progress = _Progress(output)
    try:
        result = pipeline.generate(
            config=config,
            output=output_dir,
            template_dir=template_dir,
            force=force,
            dry_run=dry_run or check,
            strict=strict,
            on_nanoservice=progress.advance,
        )
    finally:
        progress.close()

    output.warnings(result.warnings)
    _print_plan(output, result)

    if result.plan.conflicts and not force:
        raise NanogenError(
            f"{len(result.plan.conflicts)} generated file(s) were edited by hand and "
            "were left as they are; move your changes into the handler, or rerun "
            "with --force to overwrite them (a copy of each is kept)."
        )
    if check and result.plan.changes:
        raise NanogenError(
            f"{len(result.plan.changes)} file(s) are out of date; run `nanogen generate`."
        )


class _Progress:
    """A progress bar on a terminal for long runs, nothing otherwise."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.bar: Any = None
        self.enabled = output.level >= 1 and sys.stderr.isatty()

    def advance(self, index: int, total: int) -> None:
        if not self.enabled or total <= PROGRESS_BAR_THRESHOLD:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label="Rendering", file=sys.stderr
            )
            self.bar.__enter__()
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


# How each write verb reads in a count: "3 created, 1 kept".
VERB_LABELS = {
    "create": "created",
    "update": "updated",
    "overwrite": "overwritten",
    "identical": "identical",
    "keep": "kept",
    "conflict": "edited by hand",
    "remove": "removed",
}


def _count_text(verbs: Counter[str]) -> str:
    return ", ".join(
        f"{verbs[verb]} {label}" for verb, label in VERB_LABELS.items() if verbs[verb]
    )


def _print_plan(output: Output, result: pipeline.GenerateResult) -> None:
    verbs_by_service: dict[str, Counter[str]] = {}
    for action in result.plan.actions:
        verbs_by_service.setdefault(action.service, Counter())[action.verb] += 1
        output.detail(f"  {action.verb:<9} {action.path}")
        if action.verb == "conflict":
            click.echo(
                f"{action.path}: edited by hand since nanogen wrote it; left as it is",
                err=True,
            )

    for nanoservice in result.nanoservices:
        counts = _count_text(verbs_by_service.get(nanoservice.name, Counter()))
        route = f"{nanoservice.method.upper()} {nanoservice.path}"
        output.info(f"{nanoservice.name}: {route} ({counts})")

    totals: Counter[str] = Counter(action.verb for action in result.plan.actions)
    prefix = "dry run, nothing written: " if result.report is None else ""
    output.info(
        f"{prefix}{len(result.nanoservices)} nanoservice(s) in {result.root}: "
        f"{_count_text(totals)} file(s)"
    )


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "-C",
    "--workspace",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=Path(),
    show_default=True,
    help="Workspace folder whose services to test.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def test(output: Output, workspace: Path, pytest_args: tuple[str, ...]) -> None:
    """Run every generated test suite of a workspace in one pytest process.

    Extra arguments go to pytest, e.g. `nanogen test -- -x -k payments`.
    Exits with pytest's status.
    """
    args = pytest_args if output.level >= 1 else ("-q", *pytest_args)
    status = pipeline.run_tests(workspace=workspace, pytest_args=args)
    sys.exit(status)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=True))
@click.option(
    "--project", default=None, help="Project name. Default: the folder's name."
)
@click.option(
    "--target",
    default=pipeline.DEFAULT_TARGET,
    show_default=True,
    help="Generator for the services.",
)
@click.option(
    "--security",
    type=click.Choice(["api-key", "bearer", "none"]),
    default="api-key",
    show_default=True,
    help="Security scheme of the starter capabilities.",
)
@click.option(
    "--defaults",
    is_flag=True,
    help="Take the default for every question instead of asking.",
)
@click.pass_obj
def new(
    output: Output,
    folder: Path,
    project: str | None,
    target: str,
    security: str,
    defaults: bool,
) -> None:
    """Create a workspace in FOLDER with a starter nanogen.yaml.

    Asks for the project name, target and security on a terminal; takes the
    defaults with --defaults or when standard input is not a terminal.
    """
    from nanogen.workspace import create_workspace

    root = create_workspace(
        folder,
        project=project,
        target=target,
        security=security,
        defaults=defaults,
        interactive=sys.stdin.isatty(),
    )
    output.info(f"Created workspace {root}")
    output.info(f"Next: cd {root} && nanogen generate && nanogen test")
