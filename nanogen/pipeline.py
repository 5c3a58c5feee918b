"""The library entry points: each runs the pipeline stages for one command.

    load -> validate -> decompose -> emit -> render -> write

`nanogen.cli` calls these with keyword arguments and prints what they
return; tests and plugins can call them directly. Nothing here prints.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal

from nanogen.decompose import (
    decompose_capabilities,
    json_pointer,
    nanoservice_for_document,
    single_operation,
)
from nanogen.emit import (
    clear_validator_cache,
    document_problems,
    dump_document,
    emit_document,
    validate_document,
)
from nanogen.errors import (
    InputError,
    InternalError,
    NanogenError,
    Problem,
    format_key_path,
)
from nanogen.load import (
    CAPABILITY_LIST_SIZE_LIMIT,
    DEFAULT_FILE_SIZE_LIMIT,
    FileSizeLimit,
    Loaded,
    file_size_limit,
    load_file,
)
from nanogen.render import (
    Generator,
    UntestableOperation,
    build_context,
    find_generator,
    untestable_reasons,
)
from nanogen.spec import Nanoservice, Owner, RenderedFile
from nanogen.validate import check_capabilities
from nanogen.workspace import check_output_folder, support_files
from nanogen.write import (
    MANIFEST_PATH,
    WritePlan,
    WriteReport,
    apply_write,
    plan_write,
    read_manifest,
)

if TYPE_CHECKING:
    from nanogen.report import SizeReport
    from nanogen.slice import SlicedOperation

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = "nanogen.yaml"
DEFAULT_TARGET = "python-fastapi"
# OpenAPI documents up to this many characters are validated in full when
# read; openapi-spec-validator takes seconds per megabyte.
FULL_VALIDATION_LIMIT = 512 * 1024

# Called before each nanoservice is rendered, with its index and the total.
ProgressCallback = Callable[[int, int], None]


@dataclass
class GenerateResult:
    """The result of one `generate` run: its plan and, unless a dry run, its writes."""

    root: Path
    nanoservices: list[Nanoservice]
    plan: WritePlan
    report: WriteReport | None
    warnings: list[Problem] = field(default_factory=list)


def validate(config: Path, *, strict: bool = False) -> list[Problem]:
    """Check a capability list and return its warnings; write nothing.

    The OpenAPI documents that capabilities name are checked as `generate`
    checks them, examples included. Raises `InputError` with every problem
    when the list has errors, or when `strict` is set and it has warnings.
    """
    loaded, warnings = _load_checked(config, strict=strict)
    referenced = _load_referenced_documents(loaded)
    problems: list[Problem] = []
    if any(code for *_, code in _document_references(loaded.data)):
        nanoservices = decompose_capabilities(
            loaded.data,
            source_file=config.name,
            documents={
                reference: document
                for reference, (document, _) in referenced.documents.items()
            },
        )
        key_paths = _capability_key_paths(loaded.data)
        for key_path, nanoservice in zip(key_paths, nanoservices, strict=True):
            if not nanoservice.document_file or not nanoservice.code:
                continue
            document, _ = referenced.documents[nanoservice.document_file]
            context = build_context(nanoservice, document)
            reasons = untestable_reasons(context)
            if reasons:
                problems.append(
                    _untestable_problem(
                        loaded, key_path, nanoservice, UntestableOperation(reasons)
                    )
                )
    if problems:
        raise InputError(problems)
    if strict and referenced.warnings:
        raise InputError(replace(w, severity="error") for w in referenced.warnings)
    return [*warnings, *referenced.warnings]


def _load_checked(config: Path, *, strict: bool) -> tuple[Loaded, list[Problem]]:
    loaded = load_file(config, size_limit=CAPABILITY_LIST_SIZE_LIMIT)
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

    Raises:
        OutputError: the output folder is a file, lies below a file, or lies
            inside the `services/`, `specs/` or `.nanogen/` folder of the
            config's workspace or of a workspace above it.
    """
    root = output if output is not None else config.parent
    check_output_folder(root, workspaces=[config.parent])
    loaded, warnings = _load_checked(config, strict=strict)
    target = str(loaded.data.get("target") or DEFAULT_TARGET)
    generator = find_generator(target, template_dir)

    referenced = _load_referenced_documents(loaded)
    warnings.extend(referenced.warnings)
    documents = referenced.documents
    nanoservices = decompose_capabilities(
        loaded.data,
        source_file=config.name,
        documents={reference: doc for reference, (doc, _) in documents.items()},
    )
    files: list[RenderedFile] = support_files()
    files.extend(_source_files(root, config))
    problems: list[Problem] = []
    key_paths = _capability_key_paths(loaded.data)
    for index, nanoservice in enumerate(nanoservices):
        if on_nanoservice is not None:
            on_nanoservice(index, len(nanoservices))
        try:
            if nanoservice.document_file:
                document, text = documents[nanoservice.document_file]
                files.extend(
                    _render_document(
                        nanoservice,
                        document,
                        text,
                        generator=generator if nanoservice.code else None,
                        document_owner=_document_owner(
                            config, root, nanoservice.document_file
                        ),
                    )
                )
            else:
                files.extend(_render_nanoservice(nanoservice, generator))
        except UntestableOperation as error:
            problems.append(
                _untestable_problem(loaded, key_paths[index], nanoservice, error)
            )
    if problems:
        raise InputError(problems)

    plan = plan_write(root, files, force=force)
    report = None if dry_run else apply_write(plan)
    return GenerateResult(root, nanoservices, plan, report, warnings)


def _render_nanoservice(
    nanoservice: Nanoservice, generator: Generator
) -> list[RenderedFile]:
    document = emit_document(nanoservice)
    validate_document(document, name=nanoservice.name)
    return _render_document(
        nanoservice,
        document,
        dump_document(document),
        generator=generator if nanoservice.code else None,
    )


def _document_owner(config: Path, root: Path, reference: str) -> Owner:
    """Return how a run treats a referenced document in the workspace at `root`.

    The document is an input that the run never writes where it lies at its
    path in that workspace. Otherwise (`-o` names another folder) the run
    writes a copy there, as generated output.
    """
    source = (config.parent / reference).resolve()
    return "input" if source == (root / reference).resolve() else "generated"


def _capability_key_paths(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    """Return the key path of every capability, in the order of `decompose`."""
    return [
        ("services", service, "capabilities", index)
        for service, body in (data.get("services") or {}).items()
        for index, _ in enumerate(body.get("capabilities") or [])
    ]


def _untestable_problem(
    loaded: Loaded,
    key_path: tuple[str | int, ...],
    nanoservice: Nanoservice,
    error: UntestableOperation,
) -> Problem:
    fix = (
        f"fix the operation in {nanoservice.document_file!r}"
        if nanoservice.document_file
        else "fix the capability's fields, or give it `examples`"
    )
    return Problem(
        f"{nanoservice.name}: the generated tests cannot pass, because {error.reason}",
        f"{fix}, or set `code: false` to write only the OpenAPI document",
        file=loaded.file,
        line=loaded.line_of(key_path),
        key_path=format_key_path(key_path),
    )


def _render_document(
    nanoservice: Nanoservice,
    document: dict[str, Any],
    text: str,
    *,
    generator: Generator | None,
    document_owner: Owner = "generated",
) -> list[RenderedFile]:
    spec_file = RenderedFile(
        nanoservice.document_file or nanoservice.spec_path,
        text,
        document_owner,
        service=nanoservice.name,
    )
    if generator is None:
        return [spec_file]
    return [spec_file, *generator.render(nanoservice, document)]


@dataclass
class _ReferencedDocuments:
    """The OpenAPI documents that capabilities name with `openapi`.

    `documents` contains each document and its text by the reference as
    written; `warnings` are the problems of documents without code.
    """

    documents: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def _load_referenced_documents(loaded: Loaded) -> _ReferencedDocuments:
    """Load and check every OpenAPI document that a capability names.

    A small document is validated in full; a large one only gets its
    structure checked, because openapi-spec-validator needs seconds per
    megabyte. What validation finds is an error, except in a document whose
    capabilities all have `code: false`: no code is generated from it, so
    it is written as it is, with warnings.

    Raises:
        InputError: a document does not load, does not hold exactly one
            operation, or (with code) is invalid.
    """
    # The OpenAPI stages load here, so that a list without `openapi` does
    # not pay for them.
    from nanogen.bundle import SourceMap

    base = Path(loaded.file).parent
    found = _ReferencedDocuments()
    unreadable: list[Problem] = []
    invalid: list[Problem] = []
    references = _document_references(loaded.data)
    with_code = {reference for _, _, reference, code in references if code}
    for service, index, reference, _ in references:
        if reference in found.documents:
            continue
        key_path = ("services", service, "capabilities", index, "openapi")
        document_path = base / reference
        try:
            document_loaded = load_file(document_path)
            _check_openapi_version(document_loaded, reference)
            single_operation(document_loaded.data)
        except InputError as error:
            unreadable.extend(error.problems)
            continue
        except ValueError as error:
            unreadable.append(
                Problem(
                    f"{reference}: {error}",
                    "point 'openapi' at a document that `nanogen split` wrote",
                    file=loaded.file,
                    line=loaded.line_of(key_path),
                    key_path=format_key_path(key_path),
                )
            )
            continue
        text = document_loaded.text
        if text is None:
            text = document_path.read_text(encoding="utf-8")
        if len(text) <= FULL_VALIDATION_LIMIT:
            problems = document_problems(
                document_loaded.data,
                file=str(document_path),
                source_map=SourceMap.for_file(document_loaded),
            )
            if reference not in with_code:
                found.warnings.extend(replace(p, severity="warning") for p in problems)
            else:
                invalid.extend(problems)
        found.documents[reference] = (document_loaded.data, text)
    if unreadable or invalid:
        raise InputError([*unreadable, *invalid])
    return found


def _check_openapi_version(document: Loaded, reference: str) -> None:
    """Raise `InputError` unless a referenced document is OpenAPI 3.0 or 3.1."""
    data = document.data
    version = data.get("openapi") if isinstance(data, dict) else None
    if isinstance(version, str) and version.startswith(("3.0.", "3.1.")):
        return
    if isinstance(data, dict) and "swagger" in data:
        what = f"a Swagger {data['swagger']} document"
        hint = (
            "convert it with `nanogen convert`, or split it with `nanogen split`, "
            "which converts it"
        )
        key_path: tuple[str, ...] = ("swagger",)
    else:
        what = (
            f"OpenAPI {version!r}" if version is not None else "not an OpenAPI document"
        )
        hint = "name an OpenAPI 3.0 or 3.1 document, as `nanogen split` writes them"
        key_path = ("openapi",) if version is not None else ()
    raise InputError(
        [
            Problem(
                f"{reference} is {what}; a capability's document must be "
                "OpenAPI 3.0 or 3.1",
                hint,
                file=document.file,
                line=document.line_of(key_path) if key_path else None,
                key_path=format_key_path(key_path),
            )
        ]
    )


def _document_references(data: dict[str, Any]) -> list[tuple[str, int, str, bool]]:
    """List each capability with `openapi`: service, index, reference, `code`."""
    return [
        (service, index, capability["openapi"], capability.get("code", True))
        for service, body in (data.get("services") or {}).items()
        for index, capability in enumerate(body.get("capabilities") or [])
        if "openapi" in capability
    ]


def _source_files(root: Path, config: Path) -> list[RenderedFile]:
    """Pass a capability list that `nanogen split` wrote through as an input.

    The list is then the user's to edit. The manifest keeps the hash that
    split recorded, so `generate` never reports it as edited or removes it,
    and a later `split` finds the user's edits.
    """
    try:
        relative = config.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return []
    if relative not in read_manifest(root):
        return []
    return [RenderedFile(relative, config.read_text(encoding="utf-8"), "input")]


def run_tests(*, workspace: Path, pytest_args: tuple[str, ...] = ()) -> int:
    """Run every generated test suite of a workspace in one pytest process.

    The suites are those of the services that the last `generate` wrote, by
    the manifest; a folder whose capability was removed is left out, because
    its kept tests import a package that is gone. Returns pytest's exit status.
    """
    services = workspace / "services"
    if not services.is_dir():
        raise NanogenError(
            f"{services}: folder not found; run `nanogen generate` in the "
            "workspace first."
        )
    folders = sorted(
        {
            "/".join(path.split("/")[:2])
            for path, entry in read_manifest(workspace).items()
            if entry.owner == "generated" and path.startswith("services/")
        }
    )
    if not folders and (workspace / MANIFEST_PATH).is_file():
        # Every capability has `code: false`; a folder left in `services/`
        # holds only tests kept from before, whose package is gone.
        raise NanogenError(
            "no generated test suites to run: every capability of the last "
            "`nanogen generate` has `code: false`"
        )
    # pytest gets the one `services` folder: given each service folder as an
    # argument, it imports their same-named conftest.py files as one module.
    ignored = [
        f"--ignore={folder.relative_to(workspace).as_posix()}"
        for folder in sorted(services.iterdir())
        if folder.is_dir()
        and folders
        and folder.relative_to(workspace).as_posix() not in folders
    ]
    command = [sys.executable, "-m", "pytest", "services", *ignored, *pytest_args]
    logger.info("running %s in %s", " ".join(command), workspace)
    return subprocess.call(command, cwd=workspace, env=dict(os.environ))


@dataclass
class SplitResult:
    """The result of one `split` run: its plan, its writes and the size report."""

    root: Path
    nanoservices: list[Nanoservice]
    plan: WritePlan
    report: WriteReport | None
    sizes: SizeReport
    warnings: list[Problem] = field(default_factory=list)


GroupBy = Literal["tag", "path", "none"]
# Above this many operations, only a deterministic sample of the split
# documents is checked with openapi-spec-validator; checking all 470 Stripe
# documents of about 1 MB each takes minutes.
VALIDATE_ALL_LIMIT = 60
VALIDATE_SAMPLE = 12


def split(
    *,
    source: Path,
    output: Path,
    ref_root: Path | None = None,
    group_by: GroupBy = "tag",
    openapi: str | None = None,
    max_depth: int | None = None,
    specs_only: bool = False,
    project: str | None = None,
    template_dir: Path | None = None,
    force: bool = False,
    dry_run: bool = False,
    on_nanoservice: ProgressCallback | None = None,
    max_file_bytes: int | None = None,
) -> SplitResult:
    """Split a monolithic OpenAPI document into one nanoservice per operation.

    Writes a workspace that `generate` owns from then on: a capability list
    whose capabilities name their split documents, the documents under
    `specs/`, and (unless `specs_only`) the services exactly as `generate`
    renders them, so that the next `generate` changes nothing.

    `max_file_bytes` is the size limit of the input and of each file its
    `$ref`s reach; it defaults to `nanogen.load.DEFAULT_MAX_FILE_BYTES`.

    Raises:
        OutputError: the output folder is a file, lies below a file, or lies
            inside the `services/`, `specs/` or `.nanogen/` folder of a
            workspace above it.
    """
    # The OpenAPI stages load here, so that `generate` does not pay for them.
    from nanogen.bundle import bundle_document
    from nanogen.convert import convert_swagger2
    from nanogen.repair import repair_document
    from nanogen.report import size_report
    from nanogen.slice import slice_document
    from nanogen.upgrade import upgrade_to_31

    check_output_folder(output)
    with file_size_limit(_size_limit(max_file_bytes)):
        bundled = bundle_document(source, ref_root=ref_root)
    warnings = list(bundled.warnings)
    document = bundled.document
    if bundled.version.startswith("2."):
        converted = convert_swagger2(document, file=bundled.file)
        document = converted.document
        warnings.extend(converted.warnings)
    if openapi == "3.1" and not str(document.get("openapi", "")).startswith("3.1"):
        upgraded = upgrade_to_31(document, file=bundled.file)
        document = upgraded.document
        warnings.extend(upgraded.warnings)

    # The input is validated once, whole. A defect that real documents often
    # carry is mended with a warning. What remains is the publisher's defect:
    # it is reported as a warning, and the split documents may inherit it.
    repaired = repair_document(
        document, file=bundled.file, source_map=bundled.source_map
    )
    # The validators of the repair stage hold the whole input document.
    clear_validator_cache()
    document = repaired.document
    warnings.extend(repaired.warnings)
    source_problems = repaired.problems
    warnings.extend(replace(problem, severity="warning") for problem in source_problems)

    with _defects_as_errors(source_problems):
        sliced = slice_document(
            document,
            file=bundled.file,
            group_by=group_by,
            max_depth=max_depth,
            source_map=bundled.source_map,
        )
        warnings.extend(sliced.warnings)
        if source_problems:
            invalid = _invalid_split_documents(sliced.operations)
        else:
            _check_split_documents(sliced.operations)
            invalid = {}

    project_name = project or _project_name(document)
    target = DEFAULT_TARGET
    generator = None if specs_only else find_generator(target, template_dir)
    service_files: list[RenderedFile] = []
    nanoservices = []
    # The position of each operation in its service's list of capabilities.
    positions: dict[str, int] = {}
    for index, operation in enumerate(sliced.operations):
        if on_nanoservice is not None:
            on_nanoservice(index, len(sliced.operations))
        spec_path = _split_spec_path(operation)
        position = positions.get(operation.service, 0)
        positions[operation.service] = position + 1
        nanoservice = nanoservice_for_document(
            operation.document,
            project=project_name,
            service=operation.service,
            capability=operation.capability,
            source=f"{DEFAULT_CONFIG}#"
            + json_pointer("services", operation.service, "capabilities", position),
            document_file=spec_path,
            summary=_summary_line(operation),
        )
        reason = invalid.get(spec_path)
        rendered: list[RenderedFile] = []
        if reason is None:
            rendered, reason = _render_split_operation(
                nanoservice,
                operation,
                generator=generator,
                source_is_valid=not source_problems,
            )
        if reason is not None:
            warnings.append(_document_only_warning(nanoservice, operation, reason))
            nanoservice = replace(nanoservice, code=False)
            rendered = _render_document(
                nanoservice, operation.document, operation.text, generator=None
            )
        nanoservices.append(nanoservice)
        service_files.extend(rendered)

    capability_list = _capability_list(project_name, target, nanoservices)
    config_file = RenderedFile(
        DEFAULT_CONFIG,
        _capability_list_text(capability_list, source=bundled.file),
        "generated",
    )
    files = [*support_files(), config_file, *service_files]

    # NOTE: the plan holds every file's text at once, about 1 GB for a
    # lossless Stripe split; streaming the writes would need a plan that
    # compares hashes instead of content.
    plan = plan_write(output, files, force=force)
    report = None if dry_run else apply_write(plan)
    sizes = size_report(
        _input_size(bundled.files),
        sliced.operations,
        file=bundled.file,
        max_depth=max_depth,
    )
    return SplitResult(output, nanoservices, plan, report, sizes, warnings)


@contextmanager
def _defects_as_errors(source_problems: list[Problem]) -> Iterator[None]:
    """Turn a failure on an invalid input document into its validation errors.

    The stages after validation are written for valid OpenAPI and carry on
    past a defect only where one is known to be harmless. When one of them
    fails on an input that did not validate, the input's own problems are
    the message, not the exception.
    """
    try:
        yield
    except _DEFECT_FAILURES as error:
        if not source_problems:
            raise
        raise InputError(
            replace(problem, severity="error") for problem in source_problems
        ) from error


def convert(
    *,
    source: Path,
    ref_root: Path | None = None,
    max_file_bytes: int | None = None,
) -> tuple[str, list[Problem]]:
    """Convert a Swagger 2.0 document to OpenAPI 3.0; return its YAML and warnings.

    `max_file_bytes` is as for `split`.
    """
    from nanogen.bundle import bundle_document
    from nanogen.convert import convert_swagger2

    with file_size_limit(_size_limit(max_file_bytes)):
        bundled = bundle_document(source, ref_root=ref_root)
    converted = convert_swagger2(bundled.document, file=bundled.file)
    header = (
        f"# Converted by nanogen convert from {_comment_text(PurePath(bundled.file).name)}"
        " (Swagger 2.0 to OpenAPI 3.0).\n"
    )
    text = dump_document(converted.document, header=header)
    return text, [*bundled.warnings, *converted.warnings]


def _size_limit(max_file_bytes: int | None) -> FileSizeLimit:
    if max_file_bytes is None:
        return DEFAULT_FILE_SIZE_LIMIT
    return replace(DEFAULT_FILE_SIZE_LIMIT, max_bytes=max_file_bytes)


def _check_split_documents(operations: list[SlicedOperation]) -> None:
    """Validate the split documents of a valid input, or a sample of many.

    Raises:
        InternalError: a split document is invalid although its input is
            valid, which is a bug in nanogen.
    """
    step = max(1, len(operations) // VALIDATE_SAMPLE)
    sample = operations if len(operations) <= VALIDATE_ALL_LIMIT else operations[::step]
    for operation in sample:
        problems = document_problems(
            operation.document, file=_split_spec_path(operation), limit=1
        )
        if problems:
            name = f"{operation.service}-{operation.capability}"
            raise InternalError(
                f"the split document of {name!r} is invalid although its source is "
                f"valid: {problems[0]}. This is a bug in nanogen; please report it "
                "with the document that caused it."
            )


def _invalid_split_documents(operations: list[SlicedOperation]) -> dict[str, str]:
    """Find the split documents of an invalid input that inherit a defect.

    Checks each document as `generate` will read it: in full up to
    `FULL_VALIDATION_LIMIT` characters, and its structure beyond. Returns
    the first problem of each invalid one, by its path in the workspace.
    """
    invalid: dict[str, str] = {}
    for operation in operations:
        spec_path = _split_spec_path(operation)
        if len(operation.text) > FULL_VALIDATION_LIMIT:
            continue  # `nanoservice_for_document` checked the structure
        problems = document_problems(operation.document, file=spec_path, limit=1)
        if problems:
            problem = problems[0]
            where = f"{problem.key_path}: " if problem.key_path else ""
            invalid[spec_path] = f"the document is invalid ({where}{problem.message})"
    return invalid


# The exceptions that rendering may raise on a split document that inherits
# a defect of an invalid input. On a valid input, each is a bug in nanogen.
_DEFECT_FAILURES = (
    AssertionError,
    AttributeError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    RecursionError,
)


def _render_split_operation(
    nanoservice: Nanoservice,
    operation: SlicedOperation,
    *,
    generator: Generator | None,
    source_is_valid: bool,
) -> tuple[list[RenderedFile], str | None]:
    """Render one split operation, or return why it can have no service code.

    Returns the files, or no files and the reason. Without a generator
    (`--specs-only`) no examples are derived, because that would take most
    of the run. `generate` reports an operation without one later.
    """
    try:
        files = _render_document(
            nanoservice, operation.document, operation.text, generator=generator
        )
    except UntestableOperation as error:
        return [], error.reason
    except _DEFECT_FAILURES as error:
        if source_is_valid:
            raise
        return [], (
            "rendering stopped on a defect that the input document carries "
            f"({type(error).__name__}: {error})"
        )
    return files, None


def _document_only_warning(
    nanoservice: Nanoservice, operation: SlicedOperation, reason: str
) -> Problem:
    path, method, _ = single_operation(operation.document)
    return Problem(
        f"{nanoservice.name} ({method.upper()} {path}): written as an OpenAPI "
        f"document only, without service code or tests, because {reason}",
        "fix the operation in the input document and split again; its "
        "capability has `code: false` until then",
        file=_split_spec_path(operation),
        severity="warning",
    )


def _split_spec_path(operation: SlicedOperation) -> str:
    return f"specs/{operation.service}/{operation.capability}.openapi.yaml"


def _summary_line(operation: SlicedOperation) -> str:
    path, method, body = single_operation(operation.document)
    text = str(body.get("summary") or "").strip().splitlines()
    return text[0][:200] if text else ""


def _capability_list(
    project: str, target: str, nanoservices: list[Nanoservice]
) -> dict[str, Any]:
    services: dict[str, Any] = {}
    for nanoservice in nanoservices:
        capability: dict[str, Any] = {"name": nanoservice.capability}
        if nanoservice.summary.strip():
            capability["summary"] = nanoservice.summary
        capability["openapi"] = nanoservice.document_file
        if not nanoservice.code:
            capability["code"] = False
        services.setdefault(nanoservice.service, {"capabilities": []})[
            "capabilities"
        ].append(capability)
    return {"nanogen": 1, "project": project, "target": target, "services": services}


def _capability_list_text(capability_list: dict[str, Any], *, source: str) -> str:
    header = (
        "# yaml-language-server: $schema=.nanogen/capabilities.schema.json\n"
        f"# Written by nanogen split from {_comment_text(PurePath(source).name)}. "
        "Each capability's\n"
        "# OpenAPI document under specs/ is its contract: edit the documents or\n"
        "# this list, then run nanogen generate.\n"
    )
    return dump_document(capability_list, header=header)


def _comment_text(text: str) -> str:
    return " ".join(text.split())


def _project_name(document: dict[str, Any]) -> str:
    title = str((document.get("info") or {}).get("title") or "")
    words = re.findall(r"[a-z0-9]+", title.lower())
    name = "-".join(words).lstrip("0123456789-")[:63].rstrip("-")
    return name if re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name) else "api"


def _input_size(files: list[str]) -> int:
    return sum(Path(file).stat().st_size for file in files)
