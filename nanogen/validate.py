"""Check a capability list and report every problem in it at once.

Takes a `Loaded` from `nanogen.load` and returns `Problem`s. The checks run
in three steps. First comes the format's JSON Schema
(`schemas/capabilities.schema.json`), with its errors reworded. Then come the
rules a schema cannot express: unique names and operations, names that are
safe identifiers, references that resolve, path templates and error statuses.
Then each example is checked against its capability's fields. Last, nanogen
derives an example value for every shared schema and field, as `generate`
will, and reports the schemas that allow none.
`nanogen.decompose` reads the data only after `check_capabilities` passed.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing.exceptions import Unresolvable

from nanogen.decompose import (
    expand_fields,
    field_schema,
    normalize_schema,
    pascal_case,
    path_parameters,
)
from nanogen.errors import (
    JSON_TYPE_NAMES,
    InputError,
    Problem,
    Severity,
    json_type_name,
)
from nanogen.examples import (
    ConvertedComponents,
    Direction,
    ExampleError,
    can_send_parameter,
    derive_example,
    regex_parser,
)
from nanogen.load import Loaded, duplicate_key_problem
from nanogen.schema_keywords import CAPABILITY_SUBSCHEMAS
from nanogen.spec import camel_case, snake_case

SCHEMA_PATH = Path(__file__).parent / "schemas" / "capabilities.schema.json"

KeyPath = tuple[Hashable, ...]

FORMAT_VERSION = 1
BUILTIN_TYPES = ("string", "integer", "number", "boolean", "object")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
QUERY_TYPES = frozenset({"string", "integer", "number", "boolean"})
COMPONENTS_PREFIX = "#/components/schemas/"

# The same patterns as `$defs` in the schema file; a test keeps them equal.
NAME_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
SCHEMA_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
FIELD_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
NAME_MAX_LENGTH = 63
IDENTIFIER_MAX_LENGTH = 100
SHORTHAND_PATTERN = re.compile(r"([A-Za-z][A-Za-z0-9_]*)((?:\[\])*)(\?)?\Z")

# --- Reserved words ---------------------------------------------------------
#
# Names become Python and TypeScript identifiers: modules, functions,
# classes, model fields and parameters. The lists are fixed here, not read
# from the running interpreter, so that a file valid today stays valid.

PYTHON_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif "
    "else except finally for from global if import in is lambda nonlocal not or "
    "pass raise return try while with yield".split()
)
# ECMAScript reserved words, the ones strict mode adds, and the two names
# strict mode forbids binding.
TYPESCRIPT_RESERVED = frozenset(
    "await break case catch class const continue debugger default delete do else "
    "enum export extends false finally for function if import in instanceof new "
    "null return super switch this throw true try typeof var void while with yield "
    "implements interface let package private protected public static "
    "arguments eval".split()
)
# A shared schema becomes a TypeScript type and a Python class in the module
# that imports these names, and a type named after a TypeScript primitive is
# an error.
SCHEMA_SHADOWED = frozenset(
    "Annotated Any BaseModel ConfigDict Field Literal Optional Problem RootModel "
    "Union bool bytes dict float int list str "
    "any bigint boolean never number object string symbol undefined unknown".split()
)
# Public attributes of pydantic's BaseModel (pydantic 2.14): a field of the
# same name shadows it, which pydantic warns about or rejects.
PYDANTIC_ATTRIBUTES = frozenset(
    "construct copy dict from_orm json parse_file parse_obj parse_raw schema "
    "schema_json update_forward_refs validate model_computed_fields model_config "
    "model_construct model_copy model_dump model_dump_json model_extra model_fields "
    "model_fields_set model_json_schema model_parametrized_name model_post_init "
    "model_rebuild model_validate model_validate_json model_validate_strings".split()
)
PYDANTIC_PROTECTED_PREFIXES = ("model_validate", "model_dump")
# Top-level modules that a generated service imports and whose name has an
# underscore, so that a `<service>_<capability>` package could take it.
DEPENDENCY_MODULES = frozenset(
    "annotated_types charset_normalizer jsonschema_rs jsonschema_specifications "
    "openapi_spec_validator pydantic_core pydantic_settings typing_extensions "
    "typing_inspection".split()
)

# The hint for each required key, by key name.
_REQUIRED_HINTS = {
    "nanogen": "add 'nanogen: 1' as the first key",
    "project": "add 'project:' with a kebab-case name such as 'shop'",
    "services": "add 'services:' with at least one service and its capabilities",
    "capabilities": "add 'capabilities:' with a list of capabilities",
    "name": "add 'name:' with a kebab-case name such as 'calculate-tax'",
    "effect": "add 'effect:' with one of read, create, update, delete",
}

_TYPE_NAMES = JSON_TYPE_NAMES

_TYPE_HINTS = {
    "object": "write 'key: value' pairs on the lines below it, indented",
    "array": "write a list with one '- ' item per line",
    "string": "write text, quoted if it looks like a number or boolean",
    "integer": "write a whole number",
    "number": "write a number",
    "boolean": "write true or false",
}


# --- Public functions -------------------------------------------------------


def validate_capabilities(loaded: Loaded) -> list[Problem]:
    """Return every error and warning in a capability list, sorted by line."""
    report = _Report(loaded)
    data = loaded.data if isinstance(loaded.data, dict) else {}

    _check_duplicate_keys(report)
    _check_values(report, data, ())
    _check_against_schema(report, data)
    _check_target(report, data)
    _check_names(report, data)
    _check_capabilities(report, data)
    _check_shared_schemas(report, data)
    _check_examples(report, data)
    _check_derivable(report, data)

    return sorted(set(report.problems), key=Problem.sort_key)


def check_capabilities(loaded: Loaded) -> list[Problem]:
    """Return the warnings of a capability list, or raise if it has errors.

    Raises:
        InputError: the list has at least one error. It contains every
            problem, warnings too.
    """
    problems = validate_capabilities(loaded)
    if any(problem.severity == "error" for problem in problems):
        raise InputError(problems)
    return problems


@functools.cache
def capabilities_schema() -> dict[str, Any]:
    """Return the JSON Schema of the capability list format."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def is_valid_name(name: str) -> bool:
    """Tell whether a project, service or capability name passes the naming rules.

    The rules are the ones `validate_capabilities` applies: kebab-case, at most
    `NAME_MAX_LENGTH` characters, and no Python or TypeScript reserved word as
    written, in snake case or in camel case.
    """
    return (
        NAME_PATTERN.match(name) is not None
        and len(name) <= NAME_MAX_LENGTH
        and not _reserved_in(name, snake_case(name), camel_case(name))
    )


def is_taken_package(package: str) -> bool:
    """Tell whether a `<service>_<capability>` package name is already a module.

    Such a name is a module of Python's standard library or one that
    generated services import, and a package of that name would hide it.
    """
    return (
        package in sys.stdlib_module_names
        or package in DEPENDENCY_MODULES
        or _TEST_MODULE_NAME.fullmatch(package) is not None
    )


# The names of the test modules that generated services hold, which pytest
# imports by their bare names: `test_<package>_contract`, `test_<package>_handler`.
_TEST_MODULE_NAME = re.compile(r"test_\w+_(contract|handler)")


# --- Collecting problems ----------------------------------------------------


class _Report:
    """The problems found so far, and where the errors are."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.problems: list[Problem] = []
        self.error_paths: list[KeyPath] = []

    def error(self, path: Iterable[Hashable], message: str, hint: str = "") -> None:
        self._add(tuple(path), message, hint, "error")

    def warning(self, path: Iterable[Hashable], message: str, hint: str = "") -> None:
        self._add(tuple(path), message, hint, "warning")

    def has_error_under(self, prefix: KeyPath) -> bool:
        return any(path[: len(prefix)] == prefix for path in self.error_paths)

    def _add(self, path: KeyPath, message: str, hint: str, severity: Severity) -> None:
        if severity == "error":
            self.error_paths.append(path)
        self.problems.append(
            Problem(
                _single_line(message),
                _single_line(hint),
                file=self.loaded.file,
                line=self.loaded.line_of(path),
                key_path=self.loaded.display_path(path),
                severity=severity,
            )
        )


def _check_duplicate_keys(report: _Report) -> None:
    loaded = report.loaded
    for duplicate in loaded.duplicate_keys:
        path = duplicate.key_path
        if len(path) == 2 and path[0] == "services" and duplicate.first_line:
            report.error(
                path,
                f"service {duplicate.key!r} is defined twice, on lines "
                f"{duplicate.first_line} and {duplicate.line}",
                "rename one of them, or move all their capabilities into one",
            )
        else:
            problem = duplicate_key_problem(duplicate, loaded)
            report.error(path, problem.message, problem.hint)


# --- The JSON Schema --------------------------------------------------------


def _check_target(report: _Report, data: dict[str, Any]) -> None:
    """Accept only a generator's name: a path would load templates and hooks
    from anywhere on disk when someone else runs `generate` on the file."""
    target = data.get("target")
    if isinstance(target, str) and not NAME_PATTERN.match(target):
        report.error(
            ("target",),
            f"target {target!r} is not a generator name",
            "use a kebab-case name such as 'python-fastapi', and pass a "
            "generator folder with --template instead",
        )


def _check_values(report: _Report, value: Any, path: KeyPath) -> None:
    """Reject values that no emitted document or generated module can carry.

    JSON has no infinity or NaN, and UTF-8 cannot encode a lone surrogate,
    which a JSON input can spell as an escape.
    """
    if isinstance(value, float) and not math.isfinite(value):
        report.error(
            path,
            f"{value!r} is not a finite number, and JSON cannot carry it",
            "use a finite number, or remove the value",
        )
    elif isinstance(value, str) and _SURROGATE.search(value):
        report.error(
            path,
            "the text contains a lone UTF-16 surrogate, which is not a character",
            "remove the \\ud800-\\udfff escape or write the whole character",
        )
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) and not _names_checked_elsewhere(path):
                written = (
                    json.dumps(key)
                    if isinstance(key, bool | int | float | None)
                    else repr(key)
                )
                report.error(
                    (*path, key),
                    f"the key {written} is {json_type_name(key)}, not a string, but "
                    "JSON and OpenAPI documents have string keys only",
                    f"quote the key, such as '\"{written}\":'",
                )
            _check_values(report, key, path)
            _check_values(report, item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(report, item, (*path, index))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _names_checked_elsewhere(path: KeyPath) -> bool:
    """Tell whether the keys of the mapping at `path` get a check of their own.

    Those are the top-level keys, service, capability and shared schema
    names, input and output field names, and error statuses, which may be
    integers.
    """
    if len(path) <= 1 or path[-1] == "errors":
        return True
    return path[0] == "services" and (
        len(path) in (2, 4) or (len(path) == 5 and path[-1] in ("input", "output"))
    )


def _check_against_schema(report: _Report, data: dict[str, Any]) -> None:
    schema = capabilities_schema()
    # Names, paths and error statuses get their own, more precise checks in
    # `_check_names` and `_check_capabilities`.
    skipped = [
        schema["$defs"]["name"],
        schema["$defs"]["schemaName"],
        schema["$defs"]["fieldName"],
        schema["$defs"]["capability"]["properties"]["path"],
        schema["$defs"]["capability"]["properties"]["errors"]["propertyNames"],
    ]
    for error in Draft202012Validator(schema).iter_errors(data):
        if any(error.schema is skip for skip in skipped):
            continue
        _report_schema_error(report, error)


def _report_schema_error(report: _Report, error: ValidationError) -> None:
    path = tuple(error.absolute_path)
    value = error.instance
    keyword = error.validator

    if keyword == "additionalProperties" and isinstance(value, dict):
        valid = sorted(error.schema.get("properties", {}))
        for key in value:
            if key not in valid:
                report.error(
                    (*path, key),
                    f"unknown key {key!r}",
                    _choice_hint(key, valid, "keys"),
                )
    elif keyword == "required" and isinstance(value, dict):
        for key in error.validator_value:
            if key not in value:
                report.error(
                    path,
                    f"missing required key {key!r}",
                    _REQUIRED_HINTS.get(key, f"add {key!r}"),
                )
    elif keyword == "type":
        names, wanted = _expected_types(error.validator_value)
        report.error(
            path,
            f"expected {wanted}, got {_describe(value)}",
            _TYPE_HINTS.get(names[0], f"change it to {wanted}"),
        )
    elif keyword == "const" and path == ("nanogen",):
        report.error(
            path,
            f"unknown format version {value!r}",
            f"set 'nanogen: {FORMAT_VERSION}', the version this nanogen reads",
        )
    elif keyword == "enum":
        _report_enum_error(report, path, value, error.validator_value)
    elif keyword == "minItems":
        report.error(path, "the list is empty", "add at least one item")
    elif keyword == "minProperties":
        report.error(path, "the mapping is empty", "add at least one entry")
    elif keyword == "minLength":
        report.error(path, "the value is empty", "write a value or remove the key")
    elif keyword == "anyOf" and path[-2:-1] in (("input",), ("output",)):
        _report_field_type_error(report, path, value)
    else:
        report.error(path, _lower_first(error.message), "fix the value")


def _report_enum_error(
    report: _Report, path: KeyPath, value: Any, choices: list[Any]
) -> None:
    kinds = {"effect": "effect", "security": "security scheme", "method": "method"}
    kind = kinds.get(str(path[-1]) if path else "", "value")
    if kind == "method":
        choices = list(METHODS)
        value_text = value.upper() if isinstance(value, str) else value
    else:
        value_text = value
    report.error(
        path,
        f"unknown {kind} {value!r}",
        _choice_hint(value_text, [str(choice) for choice in choices], kind),
    )


def _report_field_type_error(report: _Report, path: KeyPath, value: Any) -> None:
    shorthands = (
        "use string, integer, number, boolean, object or a shared schema's name, "
        "with [] for a list and ? for optional, or a JSON Schema mapping"
    )
    if isinstance(value, str):
        shared = _mapping(_mapping(report.loaded.data).get("schemas"))
        suggestion, complete = _field_type_suggestion(value, shared)
        if complete:
            shorthands = suggestion
        elif suggestion:
            shorthands = f"{suggestion} {shorthands[0].upper()}{shorthands[1:]}"
        report.error(path, f"invalid field type {value!r}", shorthands)
    else:
        report.error(path, f"expected a field type, got {_describe(value)}", shorthands)


# --- Names ------------------------------------------------------------------


def _check_names(report: _Report, data: dict[str, Any]) -> None:
    if "project" in data:
        _check_kebab_name(report, ("project",), data["project"], "project name")

    for service_name in _mapping(data.get("services")):
        _check_kebab_name(
            report, ("services", service_name), service_name, "service name"
        )

    # The emitted documents name each capability's body schemas this way.
    generated = {}
    for _, _, capability, path in _iter_capabilities(data):
        if "name" in capability:
            name = capability["name"]
            _check_kebab_name(report, (*path, "name"), name, "capability name")
            if isinstance(name, str):
                generated[f"{pascal_case(name)}Input"] = name
                generated[f"{pascal_case(name)}Output"] = name
        for part in ("input", "output"):
            for field in _mapping(capability.get(part)):
                _check_field_name(report, (*path, part, field), field)

    for schema_name in _mapping(data.get("schemas")):
        _check_schema_name(report, ("schemas", schema_name), schema_name, generated)


def _check_kebab_name(report: _Report, path: KeyPath, name: Any, what: str) -> None:
    """Check a project, service or capability name."""
    if not _check_is_string(report, path, name, what):
        return
    if _check_path_characters(report, path, name, what):
        return

    suggestion = _kebab_suggestion(name)
    if not name:
        report.error(
            path, f"{what} is empty", f"use a kebab-case name such as {suggestion!r}"
        )
    elif not NAME_PATTERN.match(name):
        report.error(
            path,
            f"{what} {name!r} is not kebab-case",
            "use lower-case letters, digits and single hyphens, starting with a "
            f"letter, such as {suggestion!r}",
        )
    elif len(name) > NAME_MAX_LENGTH:
        report.error(
            path,
            f"{what} {name!r} is longer than {NAME_MAX_LENGTH} characters",
            "shorten it, because it becomes part of host names and package names",
        )
    else:
        languages = _reserved_in(name, snake_case(name), camel_case(name))
        if languages:
            report.error(
                path,
                f"{what} {name!r} is a reserved word in {languages}",
                "choose another name",
            )


def _check_schema_name(
    report: _Report, path: KeyPath, name: Any, generated: dict[str, str]
) -> None:
    """Check the name of a shared schema, which becomes a class and a type."""
    what = "shared schema name"
    if not _check_is_string(report, path, name, what):
        return
    if _check_path_characters(
        report,
        path,
        name,
        what,
        suggestion=_identifier_suggestion(name, capitalize=True),
    ):
        return

    if not SCHEMA_NAME_PATTERN.match(name):
        report.error(
            path,
            f"{what} {name!r} is not a valid identifier",
            "use letters, digits and underscores, starting with a letter, such as "
            f"{_identifier_suggestion(name, capitalize=True)!r}",
        )
    elif len(name) > IDENTIFIER_MAX_LENGTH:
        report.error(
            path,
            f"{what} {name!r} is longer than {IDENTIFIER_MAX_LENGTH} characters",
            "shorten it",
        )
    elif name in BUILTIN_TYPES:
        report.error(
            path,
            f"{what} {name!r} is also a built-in field type",
            "rename it, for example with a capital letter, so that field types "
            "can tell them apart",
        )
    elif languages := _reserved_in(name):
        report.error(
            path,
            f"{what} {name!r} is a reserved word in {languages}",
            "choose another name",
        )
    elif name in SCHEMA_SHADOWED:
        report.error(
            path,
            f"{what} {name!r} would hide a name that the generated code uses",
            "choose another name",
        )
    elif name in generated:
        report.error(
            path,
            f"{what} {name!r} is the name nanogen gives to a body schema of "
            f"capability {generated[name]!r}",
            "choose another name",
        )


def _check_field_name(report: _Report, path: KeyPath, name: Any) -> None:
    """Check an input or output field name, which becomes a model attribute."""
    what = "field name"
    if not _check_is_string(report, path, name, what):
        return

    suggestion = _identifier_suggestion(name, capitalize=False)
    if name.startswith("_"):
        report.error(
            path,
            f"{what} {name!r} starts with an underscore, which pydantic treats as "
            "a private attribute",
            f"rename it, such as {suggestion!r}",
        )
    elif not FIELD_NAME_PATTERN.match(name):
        report.error(
            path,
            f"{what} {name!r} is not a valid identifier",
            f"use letters, digits and underscores, starting with a letter, such as {suggestion!r}",
        )
    elif len(name) > IDENTIFIER_MAX_LENGTH:
        report.error(
            path,
            f"{what} {name!r} is longer than {IDENTIFIER_MAX_LENGTH} characters",
            "shorten it",
        )
    elif languages := _reserved_in(name):
        report.error(
            path,
            f"{what} {name!r} is a reserved word in {languages}",
            "choose another name",
        )
    elif name in PYDANTIC_ATTRIBUTES or name.startswith(PYDANTIC_PROTECTED_PREFIXES):
        report.error(
            path,
            f"{what} {name!r} would hide an attribute of pydantic's BaseModel",
            "choose another name",
        )


def _check_is_string(report: _Report, path: KeyPath, name: Any, what: str) -> bool:
    if isinstance(name, str):
        return True
    report.error(
        path,
        f"{what} {name!r} is {json_type_name(name)}, not a string",
        "quote it, or use letters instead",
    )
    return False


def _check_path_characters(
    report: _Report, path: KeyPath, name: str, what: str, *, suggestion: str = ""
) -> bool:
    """Report a name that would make a file path leave its folder.

    The fix suggests `suggestion`, else a kebab-case form of the name.
    """
    for part in ("..", "/", "\\"):
        if part in name:
            kind = "'..'" if part == ".." else f"the path separator {part!r}"
            report.error(
                path,
                f"{what} {name!r} contains {kind}, so files generated from it "
                "would be written outside their folder",
                f"use a name such as {suggestion or _kebab_suggestion(name)!r}",
            )
            return True
    return False


def _reserved_in(*forms: str) -> str:
    """Name the languages in which any of `forms` is reserved, or return ''."""
    # Soft keywords (match, case, type) stay valid identifiers in Python, and
    # `type` is a common field name, so only hard keywords count.
    python = any(form in PYTHON_KEYWORDS for form in forms)
    typescript = any(form in TYPESCRIPT_RESERVED for form in forms)
    if python and typescript:
        return "Python and TypeScript"
    if python:
        return "Python"
    if typescript:
        return "TypeScript"
    return ""


def _kebab_suggestion(name: str) -> str:
    words = re.findall(
        r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name).lower()
    )
    suggestion = "-".join(words).lstrip("0123456789-")
    return suggestion if NAME_PATTERN.match(suggestion) else "my-name"


def _identifier_suggestion(name: str, *, capitalize: bool) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    if capitalize:
        suggestion = "".join(word[:1].upper() + word[1:] for word in words)
    else:
        suggestion = "_".join(words)
    suggestion = suggestion.lstrip("0123456789")
    if not suggestion or _reserved_in(suggestion):
        return "MyName" if capitalize else "my_name"
    return suggestion


# --- Services and capabilities ----------------------------------------------


def _iter_capabilities(
    data: dict[str, Any],
) -> Iterator[tuple[Hashable, int, dict[str, Any], KeyPath]]:
    """Yield (service name, index, capability, key path) for each capability mapping."""
    for service_name, service in _mapping(data.get("services")).items():
        for index, capability in enumerate(
            _sequence(_mapping(service).get("capabilities"))
        ):
            if isinstance(capability, dict):
                yield (
                    service_name,
                    index,
                    capability,
                    ("services", service_name, "capabilities", index),
                )


def _check_capabilities(report: _Report, data: dict[str, Any]) -> None:
    shared = _mapping(data.get("schemas"))
    names_seen: dict[tuple[Hashable, str], KeyPath] = {}
    packages_seen: dict[str, tuple[Hashable, str, KeyPath]] = {}
    operations_seen: dict[tuple[str, str], tuple[Hashable, str, KeyPath]] = {}
    # Workspace paths that a run writes or reads, by the capability whose
    # document is there: each plain capability's emitted document first.
    documents_seen: dict[str, KeyPath] = {
        f"specs/{service_name}/{capability.get('name')}.openapi.yaml": path
        for service_name, _, capability, path in _iter_capabilities(data)
        if "openapi" not in capability
    }

    for service_name, _, capability, path in _iter_capabilities(data):
        name = capability.get("name")
        if isinstance(name, str) and isinstance(service_name, str):
            first = names_seen.setdefault((service_name, name), path)
            if first != path:
                report.error(
                    (*path, "name"),
                    f"capability name {name!r} is already used in service "
                    f"{service_name!r} on line {report.loaded.line_of((*first, 'name'))}",
                    "rename one of them",
                )
            elif NAME_PATTERN.match(name) and NAME_PATTERN.match(service_name):
                # A referenced OpenAPI document holds its own method and path;
                # `nanogen split` gives every operation its own route.
                # Names that are not kebab-case were reported already, and
                # would only add confusing package or path clashes.
                _check_package(report, packages_seen, service_name, name, path)
                if "openapi" not in capability:
                    _check_operation(
                        report, operations_seen, service_name, name, capability, path
                    )

        if "openapi" in capability:
            _check_openapi_reference(report, capability, path)
            _check_document_shared(report, documents_seen, capability, path)
            continue
        _check_fields(report, capability, path, shared)
        _check_path(report, capability, path, shared)
        _check_error_statuses(report, capability, path)
        _check_idempotent(report, capability, path)


# Keys that a referenced OpenAPI document sets, so a capability with
# `openapi` may not set them too.
DOCUMENT_KEYS = ("input", "output", "method", "path", "errors", "examples", "security")


def _check_openapi_reference(
    report: _Report, capability: dict[str, Any], path: KeyPath
) -> None:
    for key in DOCUMENT_KEYS:
        if key in capability:
            report.error(
                (*path, key),
                f"{key!r} is set by the OpenAPI document named in 'openapi'",
                f"remove {key!r}, or edit it in {capability['openapi']!r}",
            )

    reference = capability["openapi"]
    if not isinstance(reference, str) or not reference:
        return  # the schema check reported it
    base = Path(report.loaded.file).resolve().parent
    target = (base / reference).resolve()
    if ".." in PurePosixPath(reference.replace("\\", "/")).parts:
        report.error(
            (*path, "openapi"),
            f"OpenAPI document {reference!r} contains '..', which a workspace "
            "path may not",
            "give the path from this file's folder without '..', such as "
            "'specs/payments/calculate-tax.openapi.yaml'",
        )
    elif Path(reference).is_absolute() or not target.is_relative_to(base):
        report.error(
            (*path, "openapi"),
            f"OpenAPI document {reference!r} is outside the folder of this file",
            "give a path relative to this file that stays inside its folder, "
            "such as 'specs/payments/calculate-tax.openapi.yaml'",
        )
    elif not target.is_file():
        report.error(
            (*path, "openapi"),
            f"OpenAPI document {reference!r} not found",
            "run `nanogen split` again, or fix the path",
        )


def _check_document_shared(
    report: _Report,
    seen: dict[str, KeyPath],
    capability: dict[str, Any],
    path: KeyPath,
) -> None:
    """Report an `openapi` document that another capability has, or that a run writes.

    `generate` writes each capability's document at its path, so two
    capabilities cannot share one, and a path under `services/` or
    `.nanogen/` is generated code.
    """
    reference = capability["openapi"]
    if not isinstance(reference, str) or not reference:
        return
    normal = PurePosixPath(reference.replace("\\", "/")).as_posix().removeprefix("./")
    first = seen.setdefault(normal, path)
    if first != path:
        other = report.loaded.display_path(first)
        report.error(
            (*path, "openapi"),
            f"OpenAPI document {reference!r} is also the document of {other} "
            f"(line {report.loaded.line_of(first)})",
            "give each capability a document of its own, such as a copy",
        )
    elif normal.split("/", 1)[0] in ("services", ".nanogen"):
        report.error(
            (*path, "openapi"),
            f"OpenAPI document {reference!r} is in a folder that nanogen "
            "generates, so a run would overwrite or remove it",
            "keep the document outside 'services/' and '.nanogen/', such as "
            "under 'specs/'",
        )


def _check_package(
    report: _Report,
    seen: dict[str, tuple[Hashable, str, KeyPath]],
    service: str,
    capability: str,
    path: KeyPath,
) -> None:
    package = snake_case(f"{service}-{capability}")
    taken_by = ""
    if package in sys.stdlib_module_names:
        taken_by = "a module of Python's standard library"
    elif package in DEPENDENCY_MODULES:
        taken_by = "a module that generated services import"
    elif _TEST_MODULE_NAME.fullmatch(package):
        taken_by = "a test module that nanogen generates, which pytest imports by name"
    if taken_by:
        report.error(
            (*path, "name"),
            f"the package name {package!r} of this capability is also the name of "
            f"{taken_by}",
            "rename the service or the capability",
        )
        return

    first = seen.setdefault(package, (service, capability, path))
    if first[2] != path:
        other_service, other_capability, other_path = first
        report.error(
            (*path, "name"),
            f"the package name {package!r} of this capability is also the one of "
            f"service {other_service!r}, capability {other_capability!r} on line "
            f"{report.loaded.line_of((*other_path, 'name'))}",
            "rename one of the services or capabilities, because hyphens become underscores",
        )


def _check_operation(
    report: _Report,
    seen: dict[tuple[str, str], tuple[Hashable, str, KeyPath]],
    service: str,
    capability: str,
    data: dict[str, Any],
    path: KeyPath,
) -> None:
    method = data.get("method", "POST")
    url = data.get("path", f"/{capability}")
    if not isinstance(method, str) or not isinstance(url, str):
        return

    # `{id}` and `{order_id}` in the same place match the same requests.
    key = (method.upper(), re.sub(r"\{[^{}]*\}", "{}", url))
    first = seen.setdefault(key, (service, capability, path))
    if first[2] != path:
        other_service, other_capability, other_path = first
        where = (*path, "path") if "path" in data else (*path, "name")
        report.error(
            where,
            f"{method.upper()} {url} is also the operation of service {other_service!r}, "
            f"capability {other_capability!r} on line {report.loaded.line_of(other_path)}",
            "set a different 'path' or 'method' on one of them",
        )


def _check_idempotent(
    report: _Report, capability: dict[str, Any], path: KeyPath
) -> None:
    effect = capability.get("effect")
    if capability.get("idempotent") is False and effect in ("read", "delete"):
        report.warning(
            (*path, "idempotent"),
            f"idempotent is false on a {effect} capability",
            f"a repeated {effect} normally leaves the same state, so remove "
            "'idempotent: false' unless this one does not",
        )


def _check_error_statuses(
    report: _Report, capability: dict[str, Any], path: KeyPath
) -> None:
    seen: dict[int, Hashable] = {}
    for key in _mapping(capability.get("errors")):
        where = (*path, "errors", key)
        status = _status_code(key)
        if status is None:
            report.error(
                where,
                f"error status {key!r} is not an HTTP status code",
                "use a number from 400 to 599, such as 404",
            )
        elif not 400 <= status <= 599:
            report.error(
                where,
                f"error status {status} is outside 400-599",
                "list only client (4xx) and server (5xx) errors here",
            )
        elif status in seen:
            report.error(
                where,
                f"error status {status} is listed twice",
                f"remove one of {seen[status]!r} and {key!r}",
            )
        else:
            seen[status] = key


def _status_code(key: Hashable) -> int | None:
    """Return a status from a YAML key, which is an int unless it was quoted."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and re.fullmatch(r"[1-9][0-9]{2}", key):
        return int(key)
    return None


# --- Field types and references ---------------------------------------------


def _check_fields(
    report: _Report, capability: dict[str, Any], path: KeyPath, shared: dict[str, Any]
) -> None:
    method = capability.get("method", "POST")
    method = method.upper() if isinstance(method, str) else ""
    url = capability.get("path")
    path_parameters = set(_path_parameters(url)) if isinstance(url, str) else set()

    for part in ("input", "output"):
        for field, field_type in _mapping(capability.get(part)).items():
            where = (*path, part, field)
            if isinstance(field_type, str):
                _check_shorthand(report, where, field_type, shared)
            elif isinstance(field_type, dict):
                _check_json_schema(report, where, field_type, shared)
            if (
                part == "input"
                and method in ("GET", "DELETE")
                and field not in path_parameters
                and _field_kind(field_type, shared) not in ("scalar", "list", "unknown")
            ):
                report.error(
                    where,
                    f"input field {field!r} of type {_field_type_text(field_type)} cannot be "
                    f"a query parameter of a {method} request",
                    "use string, integer, number, boolean or a list of those, "
                    "or use method POST",
                )


def _check_shorthand(
    report: _Report, path: KeyPath, text: str, shared: dict[str, Any]
) -> None:
    match = SHORTHAND_PATTERN.match(text)
    if match is None:
        return  # The schema's pattern already reported it.
    base = match.group(1)
    if base in BUILTIN_TYPES or base in shared:
        return
    choices = [*BUILTIN_TYPES, *(name for name in shared if isinstance(name, str))]
    where = "" if base == text else f" in {text!r}"
    # A close spelling of a known type comes first, as for 'Mony'; then a type
    # name from another language or a format, as for 'float' or 'datetime'.
    hint = _unknown_type_hint(base, choices)
    if not _closest_type(base, choices):
        suggestion, complete = _field_type_suggestion(text, shared)
        if complete:
            hint = suggestion
        elif suggestion:
            hint = f"{suggestion} Known types: {', '.join(choices)}"
    report.error(path, f"unknown type {base!r}{where}", hint)


def _unknown_type_hint(name: str, choices: list[str]) -> str:
    known = ", ".join(choices)
    closest = _closest_type(name, choices)
    if closest:
        return f"did you mean {closest!r}? Known types: {known}"
    return f"define it under 'schemas' or use one of: {known}"


def _closest_type(name: str, choices: list[str]) -> str | None:
    """Return the known type spelled most like `name`, if one is close."""
    closest = difflib.get_close_matches(name, choices, n=1)
    if not closest:
        closest = [choice for choice in choices if choice.lower() == name.lower()][:1]
    return closest[0] if closest else None


# --- Field type suggestions -------------------------------------------------
#
# Type names that people carry over from Python, TypeScript, Java, SQL and
# JSON Schema, keyed by their lower-case form without '-' and '_'.

_TYPE_ALIASES = {
    **dict.fromkeys(("str", "text", "char", "character", "varchar"), "string"),
    **dict.fromkeys(
        ("int", "long", "short", "bigint", "smallint", "int32", "int64", "uint"),
        "integer",
    ),
    **dict.fromkeys(
        ("float", "double", "decimal", "real", "numeric", "float32", "float64"),
        "number",
    ),
    **dict.fromkeys(("bool",), "boolean"),
    **dict.fromkeys(
        ("dict", "map", "mapping", "record", "hash", "hashmap", "struct", "json"),
        "object",
    ),
}

# Names of JSON Schema formats, and of types that are one, with the format
# and the name to give a shared schema that contains it.
_FORMAT_ALIASES = {
    **dict.fromkeys(("datetime", "timestamp", "instant"), ("date-time", "DateTime")),
    "date": ("date", "Date"),
    "time": ("time", "Time"),
    **dict.fromkeys(("duration", "timedelta"), ("duration", "Duration")),
    **dict.fromkeys(("uuid", "guid"), ("uuid", "Uuid")),
    "email": ("email", "Email"),
    **dict.fromkeys(("uri", "url"), ("uri", "Uri")),
    "ipv4": ("ipv4", "Ipv4"),
    "ipv6": ("ipv6", "Ipv6"),
    "hostname": ("hostname", "Hostname"),
}
_BINARY_NAMES = frozenset({"bytes", "byte", "binary", "blob", "bytearray"})
_LIST_NAMES = frozenset(
    {
        "list",
        "array",
        "sequence",
        "seq",
        "set",
        "frozenset",
        "tuple",
        "vector",
        "iterable",
    }
)
_MAP_NAMES = frozenset({"dict", "map", "mapping", "record", "hashmap"})
_NULL_NAMES = frozenset({"null", "none", "nil", "void", "nonetype"})
_ANY_NAMES = frozenset({"any", "unknown", "mixed"})

# Markers for a base type that is a list of an unnamed type, or null alone.
_ANY_LIST = object()
_NULL_ONLY = object()


def _field_type_suggestion(text: str, shared: dict[str, Any]) -> tuple[str, bool]:
    """Suggest the shorthand or JSON Schema that a mistyped field type means.

    Understands `list[str]`, `List[str]`, `Array<string>`, `[str]`, `list of str`,
    `Optional[int]`, `int | None`, `Dict[str, int]` and type and format names
    such as `str`, `float`, `datetime` or `uuid`, nested and with `[]` and `?`.
    Returns a hint that starts with "did you mean", or "" for no guess, and
    whether the hint is complete without the list of known types.
    """
    guess = _guess_field_type(text, shared, depth=0)
    if guess is None:
        return "", False
    base, suffix = guess
    if base is _NULL_ONLY:
        return (
            "did you mean an optional field, such as 'string?'? A field type "
            "cannot be null alone, so add ? to a type to make the field optional",
            True,
        )
    if base is _ANY_LIST:
        return (
            f"did you mean a list such as {'string[]' + suffix!r}? Write a list of "
            "T as T[], such as string[] or Money[], or as a JSON Schema such as "
            "{type: array, items: {type: string}}",
            True,
        )
    if isinstance(base, str):
        shorthand = base + suffix
        return (
            ("", False)
            if shorthand == text
            else (f"did you mean {shorthand!r}?", False)
        )

    schema, name = base
    schema_text = _flow_yaml(schema)
    definition = f"'{name}: {schema_text}'"
    if "?" in suffix:
        # A field written as a JSON Schema is optional only with a default,
        # so only a shared schema and ? make the field optional.
        return (
            f"did you mean {name + suffix!r}, with {definition} under 'schemas'? "
            f"There is no shorthand for {schema_text}, and a field written as a "
            "JSON Schema is optional only with a 'default'",
            True,
        )
    listed = schema
    for _ in range(suffix.count("[]")):
        listed = {"type": "array", "items": listed}
    subject = "it" if listed is schema else schema_text
    return (
        f"did you mean {_flow_yaml(listed)}? There is no shorthand for {subject}, "
        f"so write this JSON Schema, or write {definition} under 'schemas' and "
        f"{name + suffix!r} here",
        True,
    )


def _guess_field_type(
    text: str, shared: dict[str, Any], depth: int
) -> tuple[Any, str] | None:
    """Guess a field type as its base type and its suffix of `[]` and `?`.

    The base is a shorthand name, a (JSON Schema, shared schema name) pair,
    `_ANY_LIST` or `_NULL_ONLY`.
    """
    text = text.strip()
    if not text or depth > 10:
        return None

    optional = re.fullmatch(r"(?i)optional\s*[\[<](.+)[\]>]|(.+)\?", text)
    if optional is not None:
        return _add_suffix(
            _guess_field_type(
                optional.group(1) or optional.group(2), shared, depth + 1
            ),
            "?",
        )
    union = re.fullmatch(r"(?i)union\s*\[(.+)\]", text)
    parts = _split_top_level(union.group(1) if union else text, "," if union else "|")
    if len(parts) > 1:
        others = [part for part in parts if _normalized(part) not in _NULL_NAMES]
        if len(others) == 1 and len(parts) == 2:
            return _add_suffix(_guess_field_type(others[0], shared, depth + 1), "?")
        return None

    listed = re.fullmatch(
        r"(.+)\[\]|\[(.+)\]|(?i:list|array|set|sequence) of (.+)", text
    )
    if listed is not None:
        item = listed.group(1) or listed.group(2) or listed.group(3)
        return _add_suffix(_guess_field_type(item, shared, depth + 1), "[]")
    generic = re.fullmatch(r"([A-Za-z_.]+)\s*[\[<(](.*)[\]>)]", text)
    if generic is not None:
        name = _normalized(generic.group(1).rsplit(".", 1)[-1])
        arguments = [
            argument
            for argument in _split_top_level(generic.group(2), ",")
            if argument.strip() != "..."
        ]
        if name in _LIST_NAMES and len(arguments) == 1:
            return _add_suffix(_guess_field_type(arguments[0], shared, depth + 1), "[]")
        if name in _MAP_NAMES:
            return ("object", "")
        return None
    return _guess_type_name(text, shared, nested=depth > 0)


def _guess_type_name(
    name: str, shared: dict[str, Any], *, nested: bool
) -> tuple[Any, str] | None:
    """Guess the base type that a name means.

    Inside `list[...]` or `Optional[...]` an unknown name that could be a
    shared schema is kept, so that the suggestion shows the shorthand form.
    """
    known = [*BUILTIN_TYPES, *(schema for schema in shared if isinstance(schema, str))]
    if name in known:
        return (name, "")
    same_letters = [choice for choice in known if choice.lower() == name.lower()]
    if same_letters:
        return (same_letters[0], "")
    key = _normalized(name)
    if key in _TYPE_ALIASES:
        return (_TYPE_ALIASES[key], "")
    if key in _FORMAT_ALIASES:
        format_name, schema_name = _FORMAT_ALIASES[key]
        return (({"type": "string", "format": format_name}, schema_name), "")
    if key in _BINARY_NAMES:
        return (({"type": "string", "contentEncoding": "base64"}, "Base64Bytes"), "")
    if key in _ANY_NAMES:
        return (({}, "AnyValue"), "")
    if key in _LIST_NAMES:
        return (_ANY_LIST, "")
    if key in _NULL_NAMES:
        return (_NULL_ONLY, "")
    if nested and SCHEMA_NAME_PATTERN.match(name):
        closest = difflib.get_close_matches(name, known, n=1)
        return (closest[0] if closest else name, "")
    return None


def _add_suffix(guess: tuple[Any, str] | None, suffix: str) -> tuple[Any, str] | None:
    """Append `[]` or `?` to a guess, unless it ends in `?` or means null."""
    if guess is None or "?" in guess[1] or guess[0] is _NULL_ONLY:
        return None
    return (guess[0], guess[1] + suffix)


def _normalized(name: str) -> str:
    return re.sub(r"[-_\s]", "", name.lower())


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split `text` at each `separator` outside brackets."""
    parts, depth, start = [], 0, 0
    for index, character in enumerate(text):
        if character in "[<(":
            depth += 1
        elif character in "]>)":
            depth -= 1
        elif character == separator and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    parts.append(text[start:].strip())
    return parts


def _flow_yaml(schema: dict[str, Any]) -> str:
    """Write a small JSON Schema as a YAML flow mapping, such as `{type: string}`."""
    entries = ", ".join(
        f"{key}: {_flow_yaml(value) if isinstance(value, dict) else value}"
        for key, value in schema.items()
    )
    return "{" + entries + "}"


def _json_type_hint(value: Any) -> str:
    """Suggest the JSON Schema type that an unknown `type` value means."""
    types = ("array", "boolean", "integer", "null", "number", "object", "string")
    listed = f"one of {', '.join(types)}"
    if not isinstance(value, str):
        return f"use {listed}"
    key = _normalized(value)
    closest = difflib.get_close_matches(value.lower(), types, n=1)
    if key in _TYPE_ALIASES:
        meant = repr(_TYPE_ALIASES[key])
    elif key in _LIST_NAMES:
        meant = "'array'"
    elif key in _NULL_NAMES:
        meant = "'null'"
    elif key in _FORMAT_ALIASES:
        meant = f"'string', with 'format: {_FORMAT_ALIASES[key][0]}' beside 'type'"
    elif closest:
        meant = repr(closest[0])
    else:
        return f"use {listed}"
    return f"did you mean {meant}? Use {listed}"


def _check_shared_schemas(report: _Report, data: dict[str, Any]) -> None:
    shared = _mapping(data.get("schemas"))
    for name, schema in shared.items():
        if isinstance(schema, dict):
            _check_json_schema(report, ("schemas", name), schema, shared)
    _check_reference_cycles(report, shared)


def _check_reference_cycles(report: _Report, shared: dict[str, Any]) -> None:
    """Report shared schemas that apply themselves to the same value forever.

    `A: {$ref: B}` with `B: {allOf: [{$ref: A}]}` never nests, so a validator
    recurses without end. A cycle through `properties` or `items` is fine,
    because each step goes one level into the value.
    """
    in_place = {name: _in_place_refs(schema) for name, schema in shared.items()}
    for start in shared:
        pending = [(start, [start])]
        visited: set[Hashable] = set()
        while pending:
            name, trail = pending.pop()
            for target in in_place.get(name, []):
                if target == start:
                    cycle = " -> ".join(str(step) for step in [*trail, start])
                    report.error(
                        ("schemas", start),
                        f"shared schema {start!r} refers to itself without nesting: "
                        f"{cycle}",
                        "put the reference under 'properties' or 'items', or remove it",
                    )
                    pending = []
                    break
                if target in shared and target not in visited:
                    visited.add(target)
                    pending.append((target, [*trail, target]))


def _in_place_refs(schema: Any) -> list[str]:
    """Return the shared schema names that apply to the same value as `schema`."""
    if not isinstance(schema, dict):
        return []
    names = []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        names.append(ref.removeprefix(COMPONENTS_PREFIX))
    for key in ("not", "if", "then", "else"):
        names.extend(_in_place_refs(schema.get(key)))
    for key in ("allOf", "anyOf", "oneOf"):
        for item in _sequence(schema.get(key)):
            names.extend(_in_place_refs(item))
    for item in _mapping(schema.get("dependentSchemas")).values():
        names.extend(_in_place_refs(item))
    return names


def _check_json_schema(
    report: _Report, path: KeyPath, schema: dict[str, Any], shared: dict[str, Any]
) -> None:
    """Check a full JSON Schema: valid against the 2020-12 metaschema, refs resolve."""
    errors = list(_METASCHEMA_VALIDATOR.iter_errors(schema))
    for error in errors:
        where = (*path, *error.absolute_path)
        if error.absolute_path and error.absolute_path[-1] == "type":
            report.error(
                where,
                f"unknown JSON Schema type {error.instance!r}",
                _json_type_hint(error.instance),
            )
        else:
            report.error(
                where,
                f"invalid JSON Schema: {_lower_first(error.message)}",
                "fix the schema",
            )
    if errors:
        return

    for where, keyword, value in _walk_schema(schema, path):
        if keyword == "$ref":
            _check_ref(report, where, value, shared)
        elif keyword == "pattern":
            _check_regex(report, where, value)
        elif keyword == "default":
            _check_default(report, where, value, shared)
        elif keyword in _OPENAPI_KEYWORD_SCHEMAS:
            _check_openapi_keyword(report, where, keyword, value)
        else:
            report.error(
                where,
                f"{keyword!r} is not supported in a capability list",
                "remove it, because nanogen places every shared schema under "
                "'#/components/schemas/' itself",
            )


_METASCHEMA_VALIDATOR = Draft202012Validator(Draft202012Validator.META_SCHEMA)

# The keywords that OpenAPI 3.1 adds to JSON Schema, as its base vocabulary
# (https://spec.openapis.org/oas/3.1/meta/base) defines them. An emitted
# document with one of them malformed fails OpenAPI validation.
_OPENAPI_KEYWORD_SCHEMAS: dict[str, dict[str, Any]] = {
    "discriminator": {
        "type": "object",
        "properties": {
            "propertyName": {"type": "string"},
            "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["propertyName"],
    },
    "externalDocs": {
        "type": "object",
        "properties": {"url": {"type": "string"}, "description": {"type": "string"}},
        "required": ["url"],
    },
    "xml": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "namespace": {"type": "string"},
            "prefix": {"type": "string"},
            "attribute": {"type": "boolean"},
            "wrapped": {"type": "boolean"},
        },
    },
}
# Hints for a missing required field of those keywords.
_OPENAPI_KEYWORD_HINTS = {
    ("discriminator", "propertyName"): "add 'propertyName' with the name of the "
    "property whose value tells the variants apart, or remove 'discriminator'",
    ("externalDocs", "url"): "add 'url' with the address of the documentation, "
    "or remove 'externalDocs'",
}


def _check_openapi_keyword(
    report: _Report, path: KeyPath, keyword: str, value: Any
) -> None:
    """Check `discriminator`, `externalDocs` or `xml` as OpenAPI 3.1 defines it."""
    schema = _OPENAPI_KEYWORD_SCHEMAS[keyword]
    if not isinstance(value, dict):
        report.error(
            path,
            f"expected a mapping for {keyword!r}, got {_describe(value)}",
            f"write {keyword!r} as a mapping with the fields "
            f"{', '.join(schema['properties'])}, or remove it",
        )
        return
    fields = schema["properties"]
    for name in schema.get("required", []):
        if name not in value:
            report.error(
                path,
                f"{keyword!r} has no {name!r}",
                _OPENAPI_KEYWORD_HINTS[(keyword, name)],
            )
    for name, item in value.items():
        where = (*path, name)
        if isinstance(name, str) and name.startswith("x-"):
            continue
        if name not in fields:
            report.error(
                where,
                f"{name!r} is not a field of {keyword!r}",
                _choice_hint(name, [*fields, "x-..."], "fields"),
            )
            continue
        # Every constraint of these fields is a type.
        for error in Draft202012Validator(fields[name]).iter_errors(item):
            expected = _TYPE_NAMES.get(
                error.validator_value, str(error.validator_value)
            )
            report.error(
                (*where, *error.absolute_path),
                f"expected {expected}, got {_describe(error.instance)}",
                f"write {expected} here",
            )


def _check_default(
    report: _Report, path: KeyPath, schema: dict[str, Any], shared: dict[str, Any]
) -> None:
    """Check that a `default` matches the schema it sits in, formats included.

    An emitted document with a default that breaks its own schema fails
    OpenAPI validation, and a service would answer with an invalid value.
    """
    default = schema["default"]
    try:
        components = {
            name: normalize_schema(body, shared) for name, body in shared.items()
        }
        rest = normalize_schema(
            {key: value for key, value in schema.items() if key != "default"}, shared
        )
    except ValueError:
        return  # an unknown reference, reported on its own
    root = {**rest, "components": {"schemas": components}}
    validator = Draft202012Validator(
        root, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    try:
        with warnings.catch_warnings():
            # A pattern Python reads with a FutureWarning is reported on its own.
            warnings.simplefilter("ignore", FutureWarning)
            error = next(iter(validator.iter_errors(default)), None)
    except (Unresolvable, re.error):
        return  # an unresolvable ref or a bad pattern, reported on its own
    if error is not None:
        report.error(
            path,
            f"default {default!r} does not match its schema: {_lower_first(error.message)}",
            "change the default to a valid value, or remove it",
        )


def _walk_schema(schema: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str, Any]]:
    """Yield (key path, keyword, value) for the keywords that need more checks.

    Those are each `$ref`, `pattern` and `default`, the keywords that
    OpenAPI adds to JSON Schema, and the unsupported ones.

    Only schema positions are searched: a `$ref` key inside `enum`, `const`,
    `default` or `examples` is data, as is a property named `pattern`.
    """
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        where = (*path, key)
        if key in ("$ref", "pattern") and isinstance(value, str):
            yield where, key, value
        elif key == "default":
            # The schema that the default must match is the one it sits in.
            yield where, key, schema
        elif key in _UNSUPPORTED_KEYWORDS or key in _OPENAPI_KEYWORD_SCHEMAS:
            yield where, key, value
        elif key == "patternProperties" and isinstance(value, dict):
            for pattern, subschema in value.items():
                if isinstance(pattern, str):
                    yield (*where, pattern), "pattern", pattern
                yield from _walk_schema(subschema, (*where, pattern))
        else:
            for subpath, subschema in CAPABILITY_SUBSCHEMAS.keyword_subschemas(
                key, value
            ):
                yield from _walk_schema(subschema, (*path, *subpath))


# Keywords that set a base URI or an anchor. A shared schema moves into each
# emitted document, where they would make `#/components/schemas/` references
# resolve against another base, or to nothing.
_UNSUPPORTED_KEYWORDS = frozenset(
    "$id $schema $anchor $dynamicAnchor $dynamicRef $recursiveAnchor $recursiveRef "
    "$vocabulary".split()
)


def _check_ref(
    report: _Report, path: KeyPath, ref: str, shared: dict[str, Any]
) -> None:
    names = [name for name in shared if isinstance(name, str)]
    example = names[0] if names else "Money"
    if ref.startswith(COMPONENTS_PREFIX):
        name = ref.removeprefix(COMPONENTS_PREFIX)
    elif SCHEMA_NAME_PATTERN.match(ref):
        name = ref
    else:
        report.error(
            path,
            f"unsupported $ref {ref!r}",
            f"refer to a shared schema by its name, such as {example!r} or "
            f"'{COMPONENTS_PREFIX}{example}'",
        )
        return

    if name not in shared:
        report.error(
            path, f"$ref {ref!r} names no shared schema", _unknown_ref_hint(name, names)
        )


def _unknown_ref_hint(name: str, names: list[str]) -> str:
    if not names:
        return f"define {name!r} under 'schemas'"
    closest = difflib.get_close_matches(name, names, n=1)
    listed = ", ".join(names)
    if closest:
        return f"did you mean {closest[0]!r}? Shared schemas: {listed}"
    return f"define {name!r} under 'schemas' or use one of: {listed}"


def _check_regex(report: _Report, path: KeyPath, pattern: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            re.compile(pattern)
    except re.error as error:
        report.error(
            path,
            f"invalid regular expression {pattern!r}: {error}",
            "fix the pattern",
        )
        return
    future = _future_warning(pattern)
    if future:
        # Python reads `[[:alpha:]]` as the characters `[:alph` followed by
        # `]`, and warns that a later release will read it as a nested set.
        report.warning(
            path,
            f"pattern {pattern!r} is read differently by other regular expression "
            f"engines: {_lower_first(future)}",
            "escape the '[' or the doubled '-', '&', '~' or '|' inside the brackets, "
            "or list the characters instead, such as '[A-Za-z]' for '[[:alpha:]]'",
        )


@functools.lru_cache(maxsize=256)
def _future_warning(pattern: str) -> str | None:
    """Return the FutureWarning that Python's parser gives for a pattern, if any.

    The pattern is parsed, not compiled, because `re` caches compiled
    patterns and warns only the first time.
    """
    if regex_parser is None:  # pragma: no cover
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FutureWarning)
        try:
            regex_parser.parse(pattern)
        except (re.error, OverflowError, RecursionError):
            return None
    for item in caught:
        if issubclass(item.category, FutureWarning):
            return str(item.message)
    return None


def _field_kind(field_type: Any, shared: dict[str, Any]) -> str:
    """Classify a field type for query parameters: scalar, list, other or unknown.

    A list is a list of scalars. `unknown` means the type is invalid, which
    another check reports.
    """
    if isinstance(field_type, str):
        match = SHORTHAND_PATTERN.match(field_type)
        if match is None:
            return "unknown"
        base, brackets = match.group(1), match.group(2)
        if base in BUILTIN_TYPES:
            kind = "scalar" if base in QUERY_TYPES else "other"
        elif base in shared:
            kind = _schema_kind(shared[base], shared, set())
        else:
            return "unknown"
        depth = len(brackets) // 2
        if depth == 0 or kind == "unknown":
            return kind
        return "list" if depth == 1 and kind == "scalar" else "other"
    if isinstance(field_type, dict):
        return _schema_kind(field_type, shared, set())
    return "unknown"


def _schema_kind(schema: Any, shared: dict[str, Any], seen: set[str]) -> str:
    if not isinstance(schema, dict):
        return "other"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.removeprefix(COMPONENTS_PREFIX)
        if name not in shared:
            return "unknown"
        if name in seen:
            return "other"
        return _schema_kind(shared[name], shared, seen | {name})

    types = schema.get("type")
    type_list = [types] if isinstance(types, str) else _sequence(types)
    # A nullable scalar, such as type: [string, "null"], is still one value.
    type_set = {name for name in type_list if isinstance(name, str)} - {"null"}
    if type_set and type_set <= QUERY_TYPES:
        return "scalar"
    if not type_list:
        values = schema["enum"] if isinstance(schema.get("enum"), list) else None
        if "const" in schema:
            values = [schema["const"]]
        if values and all(
            isinstance(value, str | int | float | bool) for value in values
        ):
            return "scalar"
    if type_set == {"array"}:
        return (
            "list"
            if _schema_kind(schema.get("items"), shared, seen) == "scalar"
            else "other"
        )
    return "other"


def _field_type_text(field_type: Any) -> str:
    if isinstance(field_type, str):
        return repr(field_type)
    if isinstance(field_type, dict) and "type" in field_type:
        return repr(field_type["type"])
    return "'JSON Schema'"


# --- Paths ------------------------------------------------------------------

_PARAMETER = re.compile(r"\{([^{}]*)\}")
# RFC 3986 path characters other than '/' and percent escapes.
_PATH_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@]")


def _path_parameters(url: str) -> list[str]:
    return _PARAMETER.findall(url)


def _check_path(
    report: _Report, capability: dict[str, Any], path: KeyPath, shared: dict[str, Any]
) -> None:
    if "path" not in capability:
        return
    url = capability["path"]
    where = (*path, "path")
    if not isinstance(url, str):
        report.error(
            where,
            f"expected a URL path such as '/orders/{{order_id}}', got {_describe(url)}",
            "write the path as a string that starts with '/', or remove it",
        )
        return
    problem = _path_template_problem(url)
    if problem:
        report.error(where, *problem)
        return

    fields = _mapping(capability.get("input"))
    field_names = [name for name in fields if isinstance(name, str)]
    seen: set[str] = set()
    for parameter in _path_parameters(url):
        if parameter in seen:
            report.error(
                where,
                f"path parameter {{{parameter}}} appears twice in {url!r}",
                "use each input field once in the path",
            )
            continue
        seen.add(parameter)
        if parameter not in fields:
            report.error(
                where,
                f"path parameter {{{parameter}}} is not an input field",
                _parameter_hint(parameter, field_names),
            )
            continue

        field_type = fields[parameter]
        if isinstance(field_type, str) and field_type.endswith("?"):
            report.error(
                where,
                f"path parameter {{{parameter}}} is the optional field {parameter!r}",
                f"make the field required by removing the '?' from {field_type!r}",
            )
        elif isinstance(field_type, dict) and "default" in field_type:
            report.error(
                where,
                f"path parameter {{{parameter}}} is the optional field {parameter!r}",
                "make the field required by removing its 'default'",
            )
        elif _field_kind(field_type, shared) not in ("scalar", "unknown"):
            report.error(
                where,
                f"path parameter {{{parameter}}} is the field {parameter!r} of type "
                f"{_field_type_text(field_type)}",
                "a path parameter must be a string, integer, number or boolean",
            )


def _parameter_hint(parameter: str, fields: list[str]) -> str:
    closest = difflib.get_close_matches(parameter, fields, n=1)
    if closest:
        return (
            f"did you mean {{{closest[0]}}}? Otherwise add {parameter!r} under 'input'"
        )
    return f"add {parameter!r} under 'input', or remove it from the path"


def _path_template_problem(url: str) -> tuple[str, str] | None:
    """Return (message, hint) when `url` is not a valid URL path template."""
    if not url.startswith("/"):
        return (
            f"path {url!r} does not start with '/'",
            f"write it as {'/' + url.lstrip('/')!r}",
        )
    if re.search(r"\s", url):
        return f"path {url!r} contains whitespace", "remove it, or join words with '-'"
    if "?" in url:
        return (
            f"path {url!r} contains a query string",
            "remove the '?' and what follows, because GET and DELETE inputs become "
            "query parameters by themselves",
        )
    if "#" in url:
        return f"path {url!r} contains a fragment", "remove the '#' and what follows"
    if "{}" in url:
        return (
            f"path {url!r} has an empty '{{}}'",
            "name an input field inside it, such as '{id}'",
        )

    rest = _PARAMETER.sub("", url)
    if "{" in rest or "}" in rest:
        return (
            f"path {url!r} has an unmatched brace",
            "write each parameter as '{field}'",
        )
    for parameter in _path_parameters(url):
        if not FIELD_NAME_PATTERN.match(parameter):
            return (
                f"path parameter {{{parameter}}} is not a field name",
                "use letters, digits and underscores inside the braces",
            )
    segments = url.split("/")[1:]
    if any(segment in (".", "..") for segment in segments):
        return f"path {url!r} contains a '.' or '..' segment", "remove the segment"
    if "" in segments[:-1]:
        return f"path {url!r} contains '//'", "remove the empty segment"
    for character in _PERCENT_ESCAPE.sub("", rest.replace("/", "")):
        if not _PATH_CHARACTERS.match(character):
            return (
                f"path {url!r} contains {character!r}, which is not allowed in a URL path",
                "remove it, or percent-encode it",
            )
    unroutable = _UNROUTABLE_ESCAPE.search(rest)
    if unroutable:
        # Servers route on the decoded path, and a decoded `%`, `{` or `}`
        # reads as another escape or as a path parameter.
        return (
            f"path {url!r} contains {unroutable.group()!r}, an escaped "
            f"{unquote(unroutable.group())!r} that a route cannot match",
            "remove it from the path",
        )
    return None


_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UNROUTABLE_ESCAPE = re.compile(r"%(?:25|7[BbDd])")


# --- Examples ---------------------------------------------------------------


def _check_examples(report: _Report, data: dict[str, Any]) -> None:
    """Check each example against its capability's fields.

    Runs only for a capability without errors whose fields reach no shared
    schema with errors, because the fields must expand into valid JSON
    Schemas first.
    """
    raw_shared = _mapping(data.get("schemas"))
    components = {
        "schemas": {
            name: normalize_schema(schema, raw_shared)
            for name, schema in raw_shared.items()
        }
    }

    for _, _, capability, path in _iter_capabilities(data):
        if report.has_error_under(path):
            continue
        reached = _reached_schemas(capability, raw_shared)
        if any(report.has_error_under(("schemas", name)) for name in reached):
            continue

        validators = {}
        for part in ("input", "output"):
            schema = expand_fields(capability.get(part) or {}, raw_shared)
            validators[part] = Draft202012Validator(
                {**schema, "components": components},
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        for index, example in enumerate(_sequence(capability.get("examples"))):
            for part in ("input", "output"):
                value = _mapping(example).get(part)
                if not isinstance(value, dict):
                    continue
                where = (*path, "examples", index, part)
                fields = [str(name) for name in _mapping(capability.get(part))]
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", FutureWarning)
                        errors = list(validators[part].iter_errors(value))
                except (Unresolvable, RecursionError) as failure:
                    # The checks above are meant to make this unreachable.
                    report.error(
                        where,
                        f"the example cannot be checked: {type(failure).__name__}",
                        "simplify the schemas of the fields it uses",
                    )
                    continue
                for error in errors:
                    _report_example_error(report, where, part, fields, error)


def _reached_schemas(capability: dict[str, Any], shared: dict[str, Any]) -> set[str]:
    """Return the names of the shared schemas that a capability's fields reach."""
    pending = []
    for part in ("input", "output"):
        for field_type in _mapping(capability.get(part)).values():
            if isinstance(field_type, str):
                match = SHORTHAND_PATTERN.match(field_type)
                if match:
                    pending.append(match.group(1))
            else:
                pending.extend(_refs_in(field_type))

    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name in shared and name not in reached:
            reached.add(name)
            pending.extend(_refs_in(shared[name]))
    return reached


def _refs_in(schema: Any) -> list[str]:
    return [
        str(value).removeprefix(COMPONENTS_PREFIX)
        for _, keyword, value in _walk_schema(schema, ())
        if keyword == "$ref"
    ]


def _report_example_error(
    report: _Report, base: KeyPath, part: str, fields: list[str], error: ValidationError
) -> None:
    path = (*base, *error.absolute_path)
    value = error.instance
    keyword = error.validator
    top = not error.absolute_path

    if keyword == "required" and isinstance(value, dict):
        for key in error.validator_value:
            if key not in value:
                where = f"example {part}" if top else "this object"
                hint = (
                    f"add {key!r} to the example, or make the field optional"
                    if top
                    else f"add {key!r}"
                )
                report.error(
                    path, f"{where} is missing the required field {key!r}", hint
                )
    elif keyword == "additionalProperties" and isinstance(value, dict):
        allowed = list(error.schema.get("properties", {}))
        for key in value:
            if key not in allowed:
                what = f"an {part} field" if top else "allowed here"
                report.error(
                    (*path, key),
                    f"{key!r} is not {what}",
                    _choice_hint(key, fields if top else allowed, "fields"),
                )
    elif keyword == "type":
        _, wanted = _expected_types(error.validator_value)
        report.error(
            path,
            f"expected {wanted}, got {_describe(value)}",
            f"change the example value to {wanted}",
        )
    else:
        report.error(
            path,
            f"example {part} does not match the fields: {_lower_first(error.message)}",
            "fix the example value",
        )


# --- Values that the schemas allow -------------------------------------------

# Body methods: their input fields other than path parameters form the body.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Keywords whose removal may make a schema derivable, tried in this order to
# name the one that no derivable value meets together with the rest.
_BLAMED_KEYWORDS = (
    "pattern",
    "format",
    "multipleOf",
    "not",
    "const",
    "enum",
    "uniqueItems",
    "contains",
    "propertyNames",
    "minProperties",
    "dependentRequired",
    "dependentSchemas",
    "oneOf",
    "anyOf",
    "allOf",
    "if",
)
_HINT_ADD_EXAMPLES = (
    "add 'examples' with a value that matches the whole schema, or check that "
    "its constraints can be met"
)
# Bounds that no value can meet when the lower one is above the upper one.
_BOUND_PAIRS = (
    ("minLength", "maxLength", "string"),
    ("minItems", "maxItems", "list"),
    ("minProperties", "maxProperties", "object"),
    ("minContains", "maxContains", "list"),
)


def _check_derivable(report: _Report, data: dict[str, Any]) -> None:
    """Report each shared schema and field that nanogen can derive no example for.

    `generate` derives an example value for every input and output that has
    none, and the generated tests send and return it, so a schema that
    allows no value (or none that nanogen finds) fails there. Each field is
    derived as a request or a response and, when it is a path or required
    query parameter, as a value that can be sent there. Runs only for
    shared schemas and capabilities without errors.
    """
    raw_shared = _mapping(data.get("schemas"))
    finder = _ValueFinder(report, raw_shared)
    for name, schema in raw_shared.items():
        where = ("schemas", name)
        if not isinstance(schema, dict) or report.has_error_under(where):
            continue
        # A schema that reaches another with errors cannot be derived either;
        # the error of the other one is reported already.
        reached = _reached_schemas({"input": {"value": schema}}, raw_shared)
        if any(report.has_error_under(("schemas", other)) for other in reached):
            continue
        finder.check({"$ref": COMPONENTS_PREFIX + str(name)}, where)

    for _, _, capability, path in _iter_capabilities(data):
        if (
            "openapi" in capability
            or capability.get("code") is False
            or report.has_error_under(path)
        ):
            continue
        reached = _reached_schemas(capability, raw_shared)
        if any(report.has_error_under(("schemas", name)) for name in reached):
            continue
        _check_capability_values(finder, capability, path)


def _check_capability_values(
    finder: _ValueFinder, capability: dict[str, Any], path: KeyPath
) -> None:
    method = capability.get("method", "POST")
    method = method.upper() if isinstance(method, str) else "POST"
    url = capability.get("path")
    in_path = set(path_parameters(url)) if isinstance(url, str) else set()
    examples = _sequence(capability.get("examples"))
    first = _mapping(examples[0]) if examples else {}

    parts: tuple[tuple[str, Direction], ...] = (
        ("input", "request"),
        ("output", "response"),
    )
    for part, direction in parts:
        fields = _mapping(capability.get(part))
        all_found = True
        for field, field_type in fields.items():
            try:
                schema, required = field_schema(field_type, finder.shared)
            except ValueError:
                continue  # an unknown type, reported on its own
            location = None
            if part == "input" and field in in_path:
                location = "path"
            elif part == "input" and required and method not in BODY_METHODS:
                location = "query"
            where = (*path, part, field)
            found = finder.check(schema, where, direction=direction, location=location)
            all_found = all_found and found and finder.check(schema, where)
        # `generate` derives the whole input or output when the first example
        # does not give it.
        documented = first.get(part)
        if all_found and not (
            isinstance(documented, dict) or (part == "output" and documented)
        ):
            finder.check(expand_fields(fields, finder.shared), (*path, part))


class _ValueFinder:
    """Example derivation for the schemas of one capability list, with error reports."""

    def __init__(self, report: _Report, shared: dict[str, Any]) -> None:
        self.report = report
        self.shared = shared
        self.components = {
            name: normalize_schema(schema, shared)
            for name, schema in shared.items()
            if isinstance(name, str)
        }
        # Converted once for the many `derive_example` calls of a run.
        self.converted = ConvertedComponents(self.components)

    def derivable(
        self,
        schema: Any,
        direction: Direction | None = None,
        accept: Callable[[Any], bool] | None = None,
    ) -> bool:
        try:
            derive_example(schema, self.converted, direction=direction, accept=accept)
        except (ExampleError, RecursionError):
            return False
        return True

    def check(
        self,
        schema: Any,
        where: KeyPath,
        *,
        direction: Direction | None = None,
        location: str | None = None,
    ) -> bool:
        """Report an error at `where` or inside it unless a value can be derived."""
        accept = None
        if location is not None:
            accept = functools.partial(can_send_parameter, location=location)
        if self.derivable(schema, direction, accept):
            return True
        if location is not None and self.derivable(schema, direction):
            self._report_location(where, location)
            return False
        self.report.error(*self.locate(schema, where, direction, frozenset()))
        return False

    def _report_location(self, where: KeyPath, location: str) -> None:
        field = where[-1]
        if location == "path":
            self.report.error(
                where,
                f"path parameter {{{field}}} allows no value that can be sent in a "
                "URL path segment, which must not be empty, contain '/', or be "
                "'.' or '..'",
                "change the field's schema so that it allows such a value, or "
                "take the field out of the path",
            )
        else:
            self.report.error(
                where,
                f"required query parameter {field!r} allows no value that can be "
                "sent in a query: an empty list is not sent at all, and list "
                "items must not contain commas",
                "give the list 'minItems: 1' and items without commas, or make "
                "the field optional",
            )

    def locate(
        self,
        schema: Any,
        where: KeyPath,
        direction: Direction | None,
        seen: frozenset[str],
    ) -> tuple[KeyPath, str, str]:
        """Return the key path, message and hint for a schema that allows no example.

        The path points at the keyword or subschema to blame where one is
        found: a contradiction such as `minimum` above `maximum`, a required
        property or list item whose schema allows no value, a shared schema
        that allows none, or a keyword without which a value is found.
        """
        contradiction = _contradiction(schema)
        if contradiction is not None:
            subpath, message, hint = contradiction
            return (*where, *subpath), message, hint
        if not isinstance(schema, dict):
            return (
                where,
                "no value that nanogen can derive matches this schema",
                (_HINT_ADD_EXAMPLES),
            )

        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(COMPONENTS_PREFIX):
            name = ref.removeprefix(COMPONENTS_PREFIX)
            target = self.components.get(name)
            if name in seen:
                return (
                    where,
                    f"shared schema {name!r} needs a value of itself here, so it "
                    "has no finite value",
                    "make this property optional, or allow null or an empty list here",
                )
            if not self.derivable(target, direction):
                return self.locate(target, ("schemas", name), direction, seen | {name})

        for subpath, subschema in _needed_subschemas(schema):
            if not self.derivable(subschema, direction):
                return self.locate(subschema, (*where, *subpath), direction, seen)

        for keyword in _BLAMED_KEYWORDS:
            if keyword not in schema:
                continue
            rest = {key: value for key, value in schema.items() if key != keyword}
            if keyword == "if":
                rest = {
                    key: value
                    for key, value in rest.items()
                    if key not in ("then", "else")
                }
            if self.derivable(rest, direction):
                return (*where, keyword), *_blame(schema, keyword)
        return (
            where,
            "no value that nanogen can derive matches this schema",
            (_HINT_ADD_EXAMPLES),
        )


def _needed_subschemas(schema: dict[str, Any]) -> Iterator[tuple[KeyPath, Any]]:
    """Yield the subschemas that every value of `schema` must have a value for.

    Those are the schemas of required properties, of the first `minItems`
    items, and each `allOf` branch.
    """
    properties = _mapping(schema.get("properties"))
    for name in _sequence(schema.get("required")):
        if name in properties:
            yield ("properties", name), properties[name]
    prefix = _sequence(schema.get("prefixItems"))
    min_items = schema.get("minItems", 0)
    for index, item in enumerate(prefix[:min_items]):
        yield ("prefixItems", index), item
    if min_items > len(prefix) and "items" in schema:
        yield ("items",), schema["items"]
    for index, branch in enumerate(_sequence(schema.get("allOf"))):
        yield ("allOf", index), branch


def _contradiction(schema: Any) -> tuple[KeyPath, str, str] | None:
    """Return (subpath, message, hint) when a schema's own keywords allow no value."""
    if schema is False:
        return (
            (),
            "the schema false allows no value",
            "use a schema that allows a value, such as {}, or remove it",
        )
    if not isinstance(schema, dict):
        return None
    if schema.get("enum") == []:
        return (
            ("enum",),
            "'enum' is an empty list, so no value is allowed",
            "list at least one value in 'enum', or remove it",
        )
    types = schema.get("type")
    type_list = [types] if isinstance(types, str) else _sequence(types)
    for keyword in ("enum", "const"):
        if keyword not in schema or not type_list:
            continue
        values = schema["enum"] if keyword == "enum" else [schema["const"]]
        if isinstance(values, list) and not any(
            _has_type(value, type_list) for value in values
        ):
            expected = " or ".join(_TYPE_NAMES.get(name, name) for name in type_list)
            return (
                (keyword,),
                f"no value of {keyword!r} is {expected}, as 'type' requires",
                f"change 'type' or the values of {keyword!r} so that they agree",
            )
    for low, high in (
        ("minimum", "maximum"),
        ("exclusiveMinimum", "maximum"),
        ("minimum", "exclusiveMaximum"),
        ("exclusiveMinimum", "exclusiveMaximum"),
    ):
        lower, upper = schema.get(low), schema.get(high)
        if not (_is_number(lower) and _is_number(upper)):
            continue
        exclusive = low.startswith("exclusive") or high.startswith("exclusive")
        if lower > upper or (exclusive and lower == upper):
            relation = "greater than" if lower > upper else "equal to"
            return (
                (low,),
                f"{low} {lower} is {relation} {high} {upper}, so no number is allowed",
                f"lower {low!r} or raise {high!r}",
            )
    for low, high, kind in _BOUND_PAIRS:
        lower, upper = schema.get(low), schema.get(high)
        if _is_number(lower) and _is_number(upper) and lower > upper:
            return (
                (low,),
                f"{low} {lower} is greater than {high} {upper}, so no {kind} "
                "is allowed",
                f"lower {low!r} or raise {high!r}",
            )
    return _object_contradiction(schema) or _array_contradiction(schema)


def _object_contradiction(schema: dict[str, Any]) -> tuple[KeyPath, str, str] | None:
    properties = _mapping(schema.get("properties"))
    patterns = [key for key in _mapping(schema.get("patternProperties")) if key]
    required = [name for name in _sequence(schema.get("required")) if name]
    for name in required:
        if properties.get(name) is False:
            return (
                ("properties", name),
                f"property {name!r} is required, but its schema false allows no value",
                f"give {name!r} a schema that allows a value, or remove it from "
                "'required'",
            )
        if (
            name not in properties
            and schema.get("additionalProperties") is False
            and not any(_pattern_search(pattern, str(name)) for pattern in patterns)
        ):
            return (
                ("required",),
                f"required property {name!r} is not allowed, because it is not under "
                "'properties' and 'additionalProperties' is false",
                f"add {name!r} under 'properties', or remove it from 'required'",
            )
    max_properties = schema.get("maxProperties")
    if _is_number(max_properties) and len(set(map(str, required))) > max_properties:
        return (
            ("maxProperties",),
            f"maxProperties {max_properties} is less than the "
            f"{len(set(map(str, required)))} required properties",
            "raise 'maxProperties', or require fewer properties",
        )
    return None


def _array_contradiction(schema: dict[str, Any]) -> tuple[KeyPath, str, str] | None:
    min_items = schema.get("minItems", 0)
    prefix = _sequence(schema.get("prefixItems"))
    if (
        schema.get("items") is False
        and _is_number(min_items)
        and min_items > len(prefix)
    ):
        allowed = f"the {len(prefix)} that 'prefixItems' lists" if prefix else "none"
        return (
            ("minItems",),
            f"minItems {min_items} asks for more items than {allowed}, because "
            "'items' is false",
            "lower 'minItems', or allow more items",
        )
    return None


def _blame(schema: dict[str, Any], keyword: str) -> tuple[str, str]:
    """Return the message and hint for a keyword that no derivable value meets."""
    format_name = schema.get("format")
    if keyword == "pattern" and isinstance(format_name, str):
        return (
            f"nanogen finds no {format_name!r} value that matches pattern "
            f"{schema['pattern']!r}",
            "add 'examples' with such a value, or change the pattern or the format",
        )
    if keyword == "format" and "pattern" in schema:
        return _blame(schema, "pattern")
    return (
        f"no value that nanogen can derive meets {keyword!r} together with the rest "
        "of the schema",
        f"add 'examples' with a value that matches the whole schema, or change "
        f"{keyword!r}",
    )


def _has_type(value: Any, types: list[Any]) -> bool:
    return any(
        isinstance(name, str)
        and name in _TYPE_NAMES
        and Draft202012Validator.TYPE_CHECKER.is_type(value, name)
        for name in types
    )


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _pattern_search(pattern: str, text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return re.search(pattern, text) is not None
    except re.error:
        return False


# --- Helpers ----------------------------------------------------------------


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _choice_hint(value: Any, choices: Iterable[Any], what: str) -> str:
    choices = [str(choice) for choice in choices]
    listed = ", ".join(choices)
    closest = (
        difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
    )
    if closest:
        return f"did you mean {closest[0]!r}? Valid {_plural(what)}: {listed}"
    return f"use one of: {listed}"


def _plural(what: str) -> str:
    return what if what.endswith("s") else f"{what}s"


def _expected_types(expected: Any) -> tuple[list[str], str]:
    """Return the types that a `type` keyword lists, and how a message names them."""
    names = [expected] if isinstance(expected, str) else list(expected)
    return names, " or ".join(_TYPE_NAMES.get(name, name) for name in names)


def _describe(value: Any) -> str:
    """Describe a value for a message: `the string 'abc'`, `a mapping`."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict | list):
        return json_type_name(value)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{json_type_name(value)} {text}"


def _single_line(text: str) -> str:
    """Escape the line breaks that names from the input may bring into a message.

    Each problem must print as one line, and `str.splitlines` splits at more
    characters than newline, such as `\\r`, `\\x85` and `\\u2028`.
    """
    return "".join(
        repr(character)[1:-1] if character.splitlines() != [character] else character
        for character in text
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
