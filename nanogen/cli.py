"""The `nanogen` command: parses options, calls `nanogen.pipeline`, prints.

This is the only module that prints. Results go to stdout, progress and
per-file verbs to stderr; every `NanogenError` becomes its message on stderr
and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import os
import shlex
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

import click

from nanogen import __version__, pipeline
from nanogen.errors import InputError, NanogenError, Problem
from nanogen.load import DEFAULT_MAX_FILE_BYTES, MIB

logger = logging.getLogger("nanogen")

# Below this many nanoservices a progress bar flashes by and only adds noise.
PROGRESS_BAR_THRESHOLD = 30
DEFAULT_MAX_FILE_MIB = DEFAULT_MAX_FILE_BYTES // MIB


class Output:
    """How much the user asked to see: 0 quiet, 1 default, 2 verbose."""

    def __init__(self, level: int = 1) -> None:
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


def _configure_output(output: Output, *, verbose: bool, quiet: bool) -> None:
    if quiet:
        output.level = 0
    elif verbose and output.level < 2:
        output.level = 2
        # Per-file debug records repeat the verbs that -v prints; the handler
        # shows what the library reports at INFO and above.
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)


def _verbosity_callback(
    ctx: click.Context, param: click.Parameter, value: bool
) -> None:
    if value:
        output = ctx.ensure_object(Output)
        _configure_output(
            output, verbose=param.name == "verbose", quiet=param.name == "quiet"
        )


def verbosity_options(command: Any) -> Any:
    """Accept -v and -q after the subcommand too, as in `nanogen generate -v`."""
    command = click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_verbosity_callback,
        help="Print errors only; no progress or summary.",
    )(command)
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_verbosity_callback,
        help="Show every file written and the library's log on stderr.",
    )(command)


@click.group(cls=NanogenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nanogen")
@verbosity_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """Generate nanoservices from capability lists and OpenAPI documents.

    Each capability, or each operation of a monolith, becomes a standalone
    OpenAPI document, a runnable service stub and a test suite that passes
    out of the box.
    """
    ctx.ensure_object(Output)


def write_options(command: Any) -> Any:
    """Add the options that `generate` and `split` share for rendering and writing."""
    command = click.option(
        "--dry-run", is_flag=True, help="Show what would change and write nothing."
    )(command)
    command = click.option(
        "--force",
        is_flag=True,
        help="Overwrite generated files that were edited by hand (a copy is kept).",
    )(command)
    return click.option(
        "--template",
        "template_dir",
        type=click.Path(path_type=Path, file_okay=False, exists=True),
        default=None,
        help="Generator folder to use; its files override the built-in ones of the "
        "same name.",
    )(command)


# Input and output paths are checked by nanogen itself, not by click, so that
# a folder, a FIFO or a file in place of a folder gets nanogen's message and
# exit status 1.
config_option = click.option(
    "-c",
    "--config",
    type=click.Path(path_type=Path),
    default=pipeline.DEFAULT_CONFIG,
    show_default=True,
    help="Capability list to read.",
)
strict_option = click.option(
    "--strict", is_flag=True, help="Treat warnings as errors and exit non-zero."
)
max_file_size_option = click.option(
    "--max-file-size",
    "max_file_mib",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_MIB,
    show_default=True,
    help="Largest input file to read, in MiB; applies to each file that $refs "
    "reach too.",
)


@main.command()
@verbosity_options
@click.argument(
    "file",
    type=click.Path(path_type=Path),
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
    _check_config_found(path, "nanogen validate {file}")
    warnings = pipeline.validate(path, strict=strict)
    output.warnings(warnings)
    if output.level >= 1:
        suffix = f", {len(warnings)} warning(s)" if warnings else ""
        click.echo(f"{path}: valid{suffix}")


@main.command()
@verbosity_options
@config_option
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Workspace folder to write into. Default: the folder of the config.",
)
@write_options
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
    updated only while unedited, and never overwritten once edited. A
    generated file edited by hand is reported and left alone unless --force
    is given.
    """
    _check_config_found(config, "nanogen generate -c {file}")
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
    _print_plan(output, result, checking=check)

    if result.plan.conflicts and not force:
        raise NanogenError(_conflict_message(len(result.plan.conflicts)))
    if check and result.plan.changes:
        raise NanogenError(
            f"{len(result.plan.changes)} file(s) are out of date; run `nanogen generate`."
        )


# Suffixes that a capability list is often saved with in place of `.yaml`:
# the other YAML extension, JSON, and the `.txt` that some editors add.
CONFIG_SUFFIXES = (
    ".yaml",
    ".yml",
    ".json",
    ".yaml.txt",
    ".yml.txt",
    ".json.txt",
    ".txt",
)
# At most this many entries of a folder are compared with a missing file's
# name, so that a folder of millions of files does not hold up the message.
MAX_LOOKALIKE_ENTRIES = 10_000


def _check_config_found(path: Path, command: str) -> None:
    """Reject a missing capability list whose name a file beside it nearly has.

    `command` is the command line to suggest, with `{file}` for that file.
    Without such a file, the pipeline reports the missing file itself.
    """
    if path.exists() or path.is_symlink():
        return
    lookalikes = _lookalike_files(path)
    if not lookalikes:
        return
    example = command.format(file=shlex.quote(str(lookalikes[0])))
    raise InputError(
        [
            Problem(
                "file not found",
                f"did you mean {_or_list(lookalikes)}? Run `{example}`, or rename "
                f"the file to {path.name}",
                file=str(path),
            )
        ]
    )


def _lookalike_files(path: Path) -> list[Path]:
    """Find the files beside `path` whose names look like its name.

    They are the names that differ in letter case, have another suffix of
    `CONFIG_SUFFIXES`, or are spelled alike, such as `nanogen.yml` or
    `Nanogen.yaml` for `nanogen.yaml`. The most alike comes first.
    """
    expected_name = path.name.lower()
    stem = expected_name.split(".", 1)[0]
    found: list[tuple[float, str]] = []
    try:
        with os.scandir(path.parent) as entries:
            for entry in itertools.islice(entries, MAX_LOOKALIKE_ENTRIES):
                name = entry.name.lower()
                entry_stem, dot, rest = name.partition(".")
                likeness = difflib.SequenceMatcher(None, name, expected_name).ratio()
                alike = (entry_stem == stem and dot + rest in CONFIG_SUFFIXES) or (
                    likeness >= 0.8
                )
                if alike and entry.name != path.name and entry.is_file():
                    found.append((-likeness, entry.name))
    except OSError:
        return []
    return [path.with_name(name) for _, name in sorted(found)]


def _or_list(paths: list[Path]) -> str:
    """Join paths as `a`, `a or b` or `a, b or c`."""
    names = [str(path) for path in paths]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} or {names[-1]}"


def _conflict_message(count: int, *, split_inputs: int = 0) -> str:
    """Say what to do about files edited by hand; `split_inputs` of them are inputs.

    An input that `split` writes (the capability list or a document under
    `specs/`) is the user's to edit, and the services of this run follow
    the new split until `generate` reads the edited one again.
    """
    if split_inputs:
        return (
            f"{count} file(s) were edited by hand and were left as they are, "
            f"{split_inputs} of them the capability list or OpenAPI documents; "
            "run `nanogen generate` in the workspace to bring the services in "
            "line with your documents, or rerun with --force to take the new "
            "split (a copy of each is kept)."
        )
    return (
        f"{count} generated file(s) were edited by hand and were left as they "
        "are; move your changes into the handler, or rerun with --force to "
        "overwrite them (a copy of each is kept)."
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


# Labels of the write verbs in a count such as "3 created, 1 kept".
VERB_LABELS = {
    "create": "created",
    "update": "updated",
    "overwrite": "overwritten",
    "identical": "identical",
    "keep": "kept",
    "conflict": "edited by hand",
    "remove": "removed",
}


# The same labels for `generate --check`, which writes nothing.
CHECK_LABELS = {
    "create": "to create",
    "update": "to update",
    "overwrite": "to overwrite",
    "identical": "identical",
    "keep": "kept",
    "conflict": "edited by hand",
    "remove": "to remove",
}


def _count_text(verbs: Counter[str], labels: dict[str, str] = VERB_LABELS) -> str:
    return ", ".join(
        f"{verbs[verb]} {label}" for verb, label in labels.items() if verbs[verb]
    )


def _print_plan(
    output: Output,
    result: pipeline.GenerateResult | pipeline.SplitResult,
    *,
    checking: bool = False,
) -> None:
    verbs_by_service: dict[str, Counter[str]] = {}
    for action in result.plan.actions:
        verbs_by_service.setdefault(action.service, Counter())[action.verb] += 1
        line = f"  {action.verb:<9} {action.path}"
        if action.detail:
            line += f"  ({action.detail})"
        # A file kept although its capability is gone needs the user's
        # decision, so it is shown without -v too.
        if action.verb == "keep" and action.detail:
            output.info(line)
        else:
            output.detail(line)
        if action.verb == "conflict":
            click.echo(
                f"{action.path}: edited by hand since nanogen wrote it; left as it is",
                err=True,
            )

    labels = CHECK_LABELS if checking else VERB_LABELS
    for nanoservice in result.nanoservices:
        counts = _count_text(verbs_by_service.get(nanoservice.name, Counter()), labels)
        route = f"{nanoservice.method.upper()} {nanoservice.path}"
        if not nanoservice.code:
            route += ", OpenAPI document only"
        output.info(f"{nanoservice.name}: {route} ({counts})")

    totals: Counter[str] = Counter(action.verb for action in result.plan.actions)
    if checking:
        prefix = f"check: {_check_verdict(result.plan)}: "
    elif result.report is None:
        prefix = "dry run, nothing written: "
    else:
        prefix = ""
    output.info(
        f"{prefix}{len(result.nanoservices)} nanoservice(s) in {result.root}: "
        f"{_count_text(totals, labels)} file(s)"
    )


def _check_verdict(plan: Any) -> str:
    """Say what `generate --check` found, such as "3 file(s) would change"."""
    findings = []
    if plan.conflicts:
        findings.append(f"{len(plan.conflicts)} file(s) edited by hand")
    if plan.changes:
        findings.append(f"{len(plan.changes)} file(s) would change")
    return ", ".join(findings) or "up to date"


@main.command()
@verbosity_options
@click.argument("monolith", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="Workspace folder to write into.",
)
@click.option(
    "--group-by",
    type=click.Choice(["tag", "path", "none"]),
    default="tag",
    show_default=True,
    help="Group operations into services by first tag, first path segment, or not.",
)
@click.option(
    "--ref-root",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Folder that relative $refs may reach. Default: the current folder when it "
    "contains MONOLITH, else MONOLITH's folder.",
)
@click.option(
    "--openapi",
    "openapi_version",
    type=click.Choice(["3.1"]),
    default=None,
    help="Upgrade OpenAPI 3.0 input to this version. Default: keep the input's.",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=0),
    default=None,
    help="Cut each document's components this many references away from its "
    "operation. Default: keep every component the operation reaches.",
)
@click.option(
    "--specs-only",
    is_flag=True,
    help="Write the capability list and specs, no services.",
)
@click.option("--project", default=None, help="Project name. Default: from info.title.")
@max_file_size_option
@click.option(
    "--report",
    "report_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Size report format: a table on stderr, or JSON on stdout.",
)
@write_options
@strict_option
@click.pass_obj
def split(
    output: Output,
    monolith: Path,
    output_dir: Path,
    group_by: str,
    ref_root: Path | None,
    openapi_version: str | None,
    max_depth: int | None,
    specs_only: bool,
    project: str | None,
    max_file_mib: int,
    report_format: str,
    template_dir: Path | None,
    force: bool,
    dry_run: bool,
    strict: bool,
) -> None:
    """Split a monolithic OpenAPI document into one nanoservice per operation.

    MONOLITH is an OpenAPI 3.0 or 3.1 document, or Swagger 2.0, in YAML or
    JSON, in one file or several joined by relative $refs. Writes a workspace
    that `nanogen generate` keeps up to date from then on.
    """
    progress = _Progress(output)
    try:
        result = pipeline.split(
            source=monolith,
            output=output_dir,
            ref_root=ref_root,
            group_by=group_by,  # type: ignore[arg-type]
            openapi=openapi_version,
            max_depth=max_depth,
            specs_only=specs_only,
            project=project,
            template_dir=template_dir,
            force=force,
            dry_run=dry_run,
            on_nanoservice=progress.advance,
            max_file_bytes=max_file_mib * MIB,
        )
    finally:
        progress.close()

    output.warnings(result.warnings)
    _print_plan(output, result)
    if report_format == "json":
        click.echo(result.sizes.as_json())
    else:
        output.info(result.sizes.as_text())

    if result.plan.conflicts and not force:
        conflicts = result.plan.conflicts
        inputs = sum(
            action.path == pipeline.DEFAULT_CONFIG or action.path.startswith("specs/")
            for action in conflicts
        )
        raise NanogenError(_conflict_message(len(conflicts), split_inputs=inputs))
    if strict and result.warnings:
        raise NanogenError(
            f"{len(result.warnings)} warning(s) and --strict was given; see above."
        )


@main.command()
@verbosity_options
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write the OpenAPI 3.0 document to. Default: standard output.",
)
@click.option(
    "--ref-root",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Folder that relative $refs may reach. Default: as for split.",
)
@max_file_size_option
@click.pass_obj
def convert(
    output: Output,
    file: Path,
    output_file: Path | None,
    ref_root: Path | None,
    max_file_mib: int,
) -> None:
    """Convert a Swagger 2.0 document to OpenAPI 3.0.3 and write it as YAML."""
    text, warnings = pipeline.convert(
        source=file, ref_root=ref_root, max_file_bytes=max_file_mib * MIB
    )
    output.warnings(warnings)
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise NanogenError(f"{output_file}: cannot write: {error.strerror}") from error
    output.info(f"wrote {output_file}")


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
    config = workspace / pipeline.DEFAULT_CONFIG
    if not (workspace / "services").is_dir() and not config.exists():
        lookalikes = _lookalike_files(config)
        if lookalikes:
            raise NanogenError(
                f"{workspace / 'services'}: folder not found, and {config} is "
                f"missing; did you mean {_or_list(lookalikes)}? Run `nanogen "
                f"generate -c {shlex.quote(str(lookalikes[0]))}` first."
            )
    status = pipeline.run_tests(workspace=workspace, pytest_args=args)
    sys.exit(status)


@main.command()
@verbosity_options
@click.argument("folder", type=click.Path(path_type=Path, file_okay=True))
@click.option(
    "--project", default=None, help="Project name. Default: the folder's name."
)
@click.option(
    "--target",
    default=None,
    help=f"Generator for the services. Asked on a terminal; default: "
    f"{pipeline.DEFAULT_TARGET}.",
)
@click.option(
    "--security",
    type=click.Choice(["api-key", "bearer", "none"]),
    default=None,
    help="Security scheme of the starter capabilities. Asked on a terminal; "
    "default: api-key.",
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
    target: str | None,
    security: str | None,
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
    output.info(
        f"Next: cd {shlex.quote(str(root))} && nanogen generate && nanogen test"
    )
