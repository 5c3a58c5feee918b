"""Mend the common defects that make a real OpenAPI document invalid.

Takes an OpenAPI 3.0 or 3.1 document whose every `$ref` is internal, as
`bundle`, `convert` and `upgrade` hand it on. Hands `slice` the same document
with each defect mended that can be mended without changing what the valid
parts mean. Each repair is a warning `Problem`. What cannot be mended safely
stays in the document and is returned as an error `Problem`.

openapi-spec-validator finds the defects. Its messages locate each one
relative to the schema it was checking, so this module runs it with two of its
keyword validators extended to record that schema's position. The validator
stops at the first meta-schema error of each schema and does not check the
defaults below it. So after a repair those schemas are checked again, and at
the end the whole document is validated once more to confirm.
docs/split.md lists every repair.

The input is not changed: the repaired document shares every value that no
repair touched with the input and has its own copies along the changed paths.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import quote, unquote

import referencing.exceptions
from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from nanogen.emit import (
    VALIDATOR_FAILURES,
    describe_validation_error,
    document_location,
    validator_failure_text,
)
from nanogen.errors import (
    InputError,
    Problem,
    SourceMap,
    display_key_path,
    input_error,
    locate,
    located_problem,
)
from nanogen.schema_keywords import EXCLUSIVE_BOUNDS, LENIENT_SUBSCHEMAS

logger = logging.getLogger(__name__)

KeyPath = tuple[str | int, ...]
DefectKind = Literal["schema", "default", "other"]

# Each round mends what one validation of the whole document found and
# validates it again, so at most 1 + MAX_ROUNDS validations run. A second
# round is needed when a repair changes what a default elsewhere is checked
# against, when a schema has more than MAX_RECHECKS defects, or when one
# defective mapping is at two places in the document (a YAML alias).
MAX_ROUNDS = 2
# How many times a round checks again the schemas that failed their
# meta-schema. The validator reports one meta-schema error per schema and
# does not check the defaults below it, so each check finds what the
# previous repair uncovered.
MAX_RECHECKS = 10
# Unmended problems are reported up to this many, because one defect in a
# shared schema can be reported many times over.
PROBLEM_LIMIT = 20

_UNMENDED_HINT = (
    "fix the document, or report the defect to whoever publishes it, because "
    "nanogen cannot mend it safely"
)
_DEFAULT_HINT = (
    "nanogen dropped the `default`, which is only an annotation, so the schema "
    "still accepts the same values"
)

# The maximum number of `$ref`s to `$ref`s that are followed to find a schema.
_MAX_REF_CHAIN = 100


@dataclass(frozen=True)
class Repaired:
    """A document with its defects mended, one warning per repair, and the rest.

    `problems` lists, as errors, what openapi-spec-validator still reports on
    `document` (at most `PROBLEM_LIMIT`). When it is empty, the document is
    valid.
    """

    document: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def repair_document(
    document: dict[str, Any], *, file: str, source_map: SourceMap | None = None
) -> Repaired:
    """Mend the defects that openapi-spec-validator reports on an OpenAPI 3 document.

    `file` names the input in messages, and `source_map`, when given, finds
    the file, line and key path where each value is written. A valid document,
    and one that is not OpenAPI 3.0 or 3.1, is returned as the same object
    with no warnings. The same input always gives the same result, key order
    included.
    """
    version = str(document.get("openapi") or "")
    if version.startswith("3.1"):
        validator_class: type[Any] = _LocatingV31Validator
    elif version.startswith("3.0"):
        validator_class = _LocatingV30Validator
    else:
        return Repaired(document)

    try:
        return _repair(
            document,
            file=file,
            version=version,
            validator_class=validator_class,
            source_map=source_map,
        )
    except RecursionError:
        raise validator_recursion_error(document, file, source_map=source_map) from None


def _repair(
    document: dict[str, Any],
    *,
    file: str,
    version: str,
    validator_class: type[Any],
    source_map: SourceMap | None,
) -> Repaired:
    repair = _Repair(
        document,
        file=file,
        version=version,
        validator=validator_class,
        source_map=source_map,
    )
    # openapi-spec-validator 0.9 checks with jsonschema-rs when it is installed
    # (schemathesis installs it), which raises ValueError on a key that is not
    # a string, so keys are mended before the first validation.
    repair.mend_keys()
    found = _find_defects(validator_class, repair.document)
    if not found.defects and found.unresolvable is None:
        return Repaired(repair.document, repair.warnings)

    for _ in range(MAX_ROUNDS):
        if found.unresolvable is not None or not repair.mend(found.defects):
            break
        # The schemas that failed their meta-schema were checked only up to
        # their first error, so they are checked again before the next
        # validation of the whole document.
        roots = _checked_schemas(found.defects)
        for _ in range(MAX_RECHECKS):
            rechecked = _find_schema_defects(validator_class, repair.document, roots)
            if rechecked.unresolvable is not None or not repair.mend(rechecked.defects):
                break
        found = _find_defects(validator_class, repair.document)
        if not found.defects and found.unresolvable is None:
            break

    logger.debug("repaired %s: %d repairs", file, len(repair.warnings))
    return Repaired(
        repair.document,
        sorted(repair.warnings, key=Problem.sort_key),
        _unmended(found, repair.document, file=file, source_map=source_map),
    )


# --- Finding the defects -----------------------------------------------------


@dataclass(frozen=True)
class _Defect:
    """One validation error and where in the document it is.

    `kind` is "schema" for a schema that fails its meta-schema, "default" for
    a `default` that fails its schema and "other" for the rest. `location`
    is the key path of the bad value, and `schema` the key path of the schema
    that the validator was checking. Either is None when it cannot be found.
    """

    error: ValidationError
    kind: DefectKind
    location: KeyPath | None
    schema: KeyPath | None


@dataclass(frozen=True)
class _Found:
    defects: list[_Defect]
    unresolvable: str | None = None


class _LocatedError(OpenAPIValidationError):
    """A validation error with the validator's path to the schema it was found in."""

    schema_parts: KeyPath = ()
    kind: DefectKind = "other"


def _tag(error: ValidationError, parts: KeyPath, kind: DefectKind) -> ValidationError:
    """Record on `error` the schema it was found in, unless an inner call did.

    The spec validator wraps every error class other than its own in a new
    `OpenAPIValidationError`, which would lose the record, so the error is
    wrapped here first.
    """
    if isinstance(error, _LocatedError):
        return error
    located = _LocatedError.create_from(error)
    located.schema_parts = parts
    located.kind = kind
    return located


class _LocatingSchemaValidator(keywords.SchemaValidator):
    """Tag each meta-schema error with the schema it was found in.

    Put it before an OpenAPI version's schema validator among the bases.
    """

    def __call__(
        self,
        schema: SchemaPath,
        require_properties: bool = True,
        meta_checked: bool = False,
    ) -> Iterator[ValidationError]:
        for error in super().__call__(schema, require_properties, meta_checked):
            yield _tag(error, tuple(schema.parts), "schema")


class _LocatingValueValidator(keywords.ValueValidator):
    """Tag each error of a `default` with the schema it was checked against.

    Put it before an OpenAPI version's value validator among the bases.
    """

    def __call__(self, schema: SchemaPath, value: Any) -> Iterator[ValidationError]:
        for error in super().__call__(schema, value):
            yield _tag(error, tuple(schema.parts), "default")


class _LocatingV30SchemaValidator(
    _LocatingSchemaValidator, keywords.OpenAPIV30SchemaValidator
):
    pass


class _LocatingV31SchemaValidator(
    _LocatingSchemaValidator, keywords.OpenAPIV31SchemaValidator
):
    pass


class _LocatingV30ValueValidator(
    _LocatingValueValidator, keywords.OpenAPIV30ValueValidator
):
    pass


class _LocatingV31ValueValidator(
    _LocatingValueValidator, keywords.OpenAPIV31ValueValidator
):
    pass


class _LocatingV30Validator(OpenAPIV30SpecValidator):
    """The OpenAPI 3.0 validator, with the schema of each error recorded."""

    keyword_validators = {
        **OpenAPIV30SpecValidator.keyword_validators,
        "schema": _LocatingV30SchemaValidator,
        "default": _LocatingV30ValueValidator,
    }


class _LocatingV31Validator(OpenAPIV31SpecValidator):
    """The OpenAPI 3.1 validator, with the schema of each error recorded."""

    keyword_validators = {
        **OpenAPIV31SpecValidator.keyword_validators,
        "schema": _LocatingV31SchemaValidator,
        "default": _LocatingV31ValueValidator,
    }


def _find_defects(validator_class: type[Any], document: dict[str, Any]) -> _Found:
    # NOTE: openapi-spec-validator 0.9 caches `iter_errors` per validator in an
    # unbounded `functools.lru_cache`, so each validator made here, with the
    # document it checked, stays in memory until the process ends.
    defects: list[_Defect] = []
    try:
        for error in validator_class(document).iter_errors():
            defects.append(_locate(document, error))
    except referencing.exceptions.Unresolvable as error:
        return _Found(defects, f"unresolvable reference {error}")
    except VALIDATOR_FAILURES as error:
        # openapi-spec-validator's checks past the schema assume a document
        # that its schema accepts, and fail on some that it does not. A
        # RecursionError is left to `repair_document`, which names the cycle.
        return _Found(defects, validator_failure_text(error))
    return _Found(defects)


def _find_schema_defects(
    validator_class: type[Any], document: dict[str, Any], roots: list[KeyPath]
) -> _Found:
    """Check only the schemas at `roots` and what they reach, as the validator does."""
    validator = validator_class(document)
    check = validator.keyword_validators_registry["schema"]
    defects: list[_Defect] = []
    try:
        for root in roots:
            schema = validator.schema_path
            for part in root:
                schema = schema / part
            for error in check(schema):
                defects.append(_locate(document, error))
    except VALIDATOR_FAILURES as error:
        return _Found(defects, validator_failure_text(error))
    except referencing.exceptions.Unresolvable as error:
        return _Found(defects, f"unresolvable reference {error}")
    return _Found(defects)


def _checked_schemas(defects: list[_Defect]) -> list[KeyPath]:
    """Return the schemas that failed their meta-schema, in the order found."""
    roots: list[KeyPath] = []
    for defect in defects:
        if defect.kind == "schema" and defect.schema is not None:
            if defect.schema not in roots:
                roots.append(defect.schema)
    return roots


def _locate(document: dict[str, Any], error: ValidationError) -> _Defect:
    if not isinstance(error, _LocatedError) or error.kind == "other":
        # Errors of the whole-document check carry their full path; the other
        # checks (duplicate operationIds, path parameters) carry none.
        location = cast(KeyPath, document_location(document, error.path))
        return _Defect(error, "other", location, None)

    schema = _resolve(document, error.schema_parts)
    if schema is None:
        return _Defect(error, error.kind, None, None)
    if error.kind == "default":
        return _Defect(error, error.kind, (*schema, "default"), schema)
    # A meta-schema error's path is relative to the schema as written: the
    # meta-schema does not follow `$ref`s.
    return _Defect(error, error.kind, (*schema, *error.path), schema)


def _resolve(document: dict[str, Any], parts: KeyPath) -> KeyPath | None:
    """Return where the validator's path `parts` leads, following `$ref`s.

    At every step the validator replaces a mapping that has a string `$ref`
    by the target and ignores the keys beside it, and so does this function.
    """
    location: KeyPath = ()
    node: Any = document
    for part in (None, *parts):
        if part is not None:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
            location = (*location, part)
        for _ in range(_MAX_REF_CHAIN):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                break
            target = _pointer_location(document, node["$ref"])
            if target is None:
                return None
            node = _value_at(document, target)
            location = target
        else:
            return None
    return location


def _pointer_location(document: dict[str, Any], ref: str) -> KeyPath | None:
    """Return the key path of an internal `$ref`'s target, or None.

    None means that the ref is not a JSON pointer into this document, or
    that nothing is there.
    """
    if ref == "#":
        return ()
    if not ref.startswith("#/"):
        return None
    location: list[str | int] = []
    node: Any = document
    for text in unquote(ref[2:]).split("/"):
        part: str | int = text.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and isinstance(part, str) and part.isdigit():
            part = int(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
        location.append(part)
    return tuple(location)


def _value_at(document: dict[str, Any], location: KeyPath) -> Any:
    """Return the value at a key path that is known to exist."""
    node: Any = document
    for part in location:
        node = node[part]
    return node


# --- Schemas that the validator cannot check ----------------------------------

# The keywords that openapi-spec-validator 0.9 follows, with their `$ref`s,
# when it collects the property names of an `allOf` branch. It keeps no
# record of the schemas it has seen there, so a cycle along these keywords
# that an `allOf` branch reaches makes it recurse until Python stops it.
_COLLECTED_LISTS = ("allOf", "anyOf", "oneOf")
_COLLECTED_SCHEMAS = ("items", "not")
# Schemas on one search path before the search for such a cycle gives up, so
# that data which contains itself, as YAML aliases can build it, ends it too.
_MAX_CYCLE_SEARCH_DEPTH = 10_000


@dataclass(frozen=True)
class _CycleStep:
    """One subschema on a cycle: where it is written and the schema it leads to."""

    keyword: str
    written_at: KeyPath
    leads_to: KeyPath


def validator_recursion_error(
    document: dict[str, Any], file: str, *, source_map: SourceMap | None = None
) -> InputError:
    """Build the error for a document whose validation hit Python's recursion limit.

    The message names the cycle that made openapi-spec-validator recurse: `$ref`s
    that lead to each other, or a schema that reaches itself below an `allOf`.
    Without either, its message states that the document is nested too deep.
    `file` and `source_map` are as for `repair_document`.
    """
    loop = _ref_loop(document)
    if loop is not None:
        steps_text = ", then ".join(
            f"{display_key_path(location)} refers to {display_key_path(target)}"
            for location, target in zip(loop, [*loop[1:], loop[0]], strict=True)
        )
        return InputError(
            [
                located_problem(
                    loop[0],
                    f"the $refs lead in a cycle that reaches no schema ({steps_text})",
                    "point one of the $refs at a schema",
                    file=file,
                    source_map=source_map,
                )
            ]
        )
    found = _validator_cycle(document)
    if found is None:
        return input_error(
            "the document is nested too deep to validate",
            "check the document for schemas or data nested hundreds of levels deep",
            file=file,
        )

    branch, cycle = found
    # The message names a component schema of the cycle where it has one, and
    # lists the steps from that schema back to it.
    last = next(
        (
            index
            for index, step in enumerate(cycle)
            if _is_component_schema(step.leads_to)
        ),
        len(cycle) - 1,
    )
    cycle = [*cycle[last + 1 :], *cycle[: last + 1]]
    schema = cycle[-1].leads_to
    # A step into an inline subschema stays where it is written, so only the
    # `$ref` steps are listed.
    steps_text = ", then ".join(
        f"{display_key_path(step.written_at)} refers to "
        + display_key_path(step.leads_to)
        for step in cycle
        if step.leads_to != step.written_at
    )
    if any(step.keyword == "items" for step in cycle):
        message = (
            f"the schema reaches itself again through `items` ({steps_text}) below the "
            f"allOf branch {display_key_path(branch)}, and openapi-spec-validator "
            "recurses without end on such a cycle, so the document cannot be "
            "validated"
        )
        hint = (
            "refer to the schema outside `allOf`, or let the cycle pass through "
            "`properties`, which the validator does not follow there"
        )
    else:
        keywords_used = " and ".join(sorted({step.keyword for step in cycle}))
        message = (
            f"the schema applies itself to the same value again through "
            f"{keywords_used} ({steps_text}), so checking a value against it never ends"
        )
        hint = "remove the $ref that closes the cycle"
    return InputError(
        [located_problem(schema, message, hint, file=file, source_map=source_map)]
    )


def _is_component_schema(location: KeyPath) -> bool:
    return len(location) == 3 and location[:2] == ("components", "schemas")


def _validator_cycle(
    document: dict[str, Any],
) -> tuple[KeyPath, list[_CycleStep]] | None:
    """Find a cycle that makes openapi-spec-validator recurse without end.

    Searches from every `allOf` branch of the document, in document order,
    along the keywords of `_COLLECTED_LISTS` and `_COLLECTED_SCHEMAS`. Returns
    the branch and the steps of the first cycle found, or None.
    """
    finished: set[KeyPath] = set()
    for branch in _allof_branches(document):
        cycle = _cycle_from(document, branch, finished)
        if cycle is not None:
            return branch, cycle
    return None


def _allof_branches(document: dict[str, Any]) -> Iterator[KeyPath]:
    """Yield the key path of every item of a list under an `allOf` key, data too."""
    for location, node in _document_nodes(document):
        branches = node.get("allOf") if isinstance(node, dict) else None
        if isinstance(branches, list):
            for index in range(len(branches)):
                yield (*location, "allOf", index)


def _cycle_from(
    document: dict[str, Any], start: KeyPath, finished: set[KeyPath]
) -> list[_CycleStep] | None:
    """Search depth first from `start`; return the steps of a cycle, or None.

    `finished` contains the schemas whose every path was searched before, by
    the location that `$ref`s lead to, and gains the ones searched here.
    """
    root = _follow_refs(document, start)
    if root is None or root in finished:
        return None
    # The schemas on the current path, each with the steps still to take
    # from it, and the step that led to it.
    path: list[KeyPath] = [root]
    on_path = {root}
    arrivals: list[_CycleStep] = [_CycleStep("allOf", start, root)]
    pending: list[Iterator[_CycleStep]] = [_steps_from(document, root)]
    while pending:
        if len(path) > _MAX_CYCLE_SEARCH_DEPTH:
            return None
        step = next(pending[-1], None)
        if step is None:
            done = path.pop()
            on_path.discard(done)
            finished.add(done)
            arrivals.pop()
            pending.pop()
            continue
        if step.leads_to in on_path:
            first = path.index(step.leads_to)
            return [*arrivals[first + 1 :], step]
        if step.leads_to in finished:
            continue
        path.append(step.leads_to)
        on_path.add(step.leads_to)
        arrivals.append(step)
        pending.append(_steps_from(document, step.leads_to))
    return None


def _steps_from(document: dict[str, Any], location: KeyPath) -> Iterator[_CycleStep]:
    schema = _value_at(document, location)
    if not isinstance(schema, dict):
        return
    for keyword in _COLLECTED_LISTS:
        branches = schema.get(keyword)
        if isinstance(branches, list):
            for index in range(len(branches)):
                yield from _step(document, keyword, (*location, keyword, index))
    for keyword in _COLLECTED_SCHEMAS:
        if isinstance(schema.get(keyword), dict):
            yield from _step(document, keyword, (*location, keyword))


def _step(
    document: dict[str, Any], keyword: str, written_at: KeyPath
) -> Iterator[_CycleStep]:
    target = _follow_refs(document, written_at)
    if target is not None:
        yield _CycleStep(keyword, written_at, target)


def _ref_loop(document: dict[str, Any]) -> list[KeyPath] | None:
    """Find `$ref`s that lead to each other and never to a schema.

    Returns the locations on the first such loop in document order, each
    one's `$ref` pointing at the next and the last one's at the first.
    """
    for location, node in _document_nodes(document):
        chain: list[KeyPath] = [location]
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target = _pointer_location(document, node["$ref"])
            if target is None or len(chain) > _MAX_REF_CHAIN:
                break
            if target in chain:
                return chain[chain.index(target) :]
            chain.append(target)
            node = _value_at(document, target)
    return None


def _follow_refs(document: dict[str, Any], location: KeyPath) -> KeyPath | None:
    """Return where a chain of internal `$ref`s from `location` ends, or None."""
    for _ in range(_MAX_REF_CHAIN):
        node = _value_at(document, location)
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return location
        target = _pointer_location(document, ref)
        if target is None:
            return None
        location = target
    return None


def _unmended(
    found: _Found,
    document: dict[str, Any],
    *,
    file: str,
    source_map: SourceMap | None,
) -> list[Problem]:
    problems: list[Problem] = []
    for defect in found.defects[:PROBLEM_LIMIT]:
        location, text = describe_validation_error(
            defect.error, document, defect.location or ()
        )
        problem = located_problem(
            location,
            f"invalid OpenAPI: {text}",
            _UNMENDED_HINT,
            file=file,
            source_map=source_map,
        )
        # The check of the whole document and the check of each schema can
        # find the same defect.
        if problem not in problems:
            problems.append(problem)
    if found.unresolvable is not None:
        problems.append(
            Problem(f"invalid OpenAPI: {found.unresolvable}", _UNMENDED_HINT, file=file)
        )
    return problems


# --- Mending them ------------------------------------------------------------


class _Editor:
    """Copy-on-write edits of a document that others may share.

    A container is copied the first time an edit reaches it, and its parent
    is made to point at the copy. Later edits change the copy in place.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        # Copies made here, by id. Holding them keeps their ids from being
        # reused by other objects.
        self._copies: dict[int, Any] = {}

    def writable(self, location: KeyPath) -> Any:
        """Return the container at `location`, copied if it is not ours yet."""
        if id(self.document) not in self._copies:
            self.document = self._own(self.document)
        node: Any = self.document
        for part in location:
            child = node[part]
            if id(child) not in self._copies:
                child = self._own(child)
                node[part] = child
            node = child
        return node

    def _own(self, container: Any) -> Any:
        copied = dict(container) if isinstance(container, dict) else list(container)
        self._copies[id(copied)] = copied
        return copied


class _Repair:
    """The repairs of one document: its current state and the warnings so far."""

    def __init__(
        self,
        document: dict[str, Any],
        *,
        file: str,
        version: str,
        validator: type[Any],
        source_map: SourceMap | None,
    ) -> None:
        self.file = file
        self.source_map = source_map
        self.is_31 = version.startswith("3.1")
        self.validator_class = validator
        self.input = document
        self.editor = _Editor(document)
        self.warnings: list[Problem] = []
        self._anchored: list[KeyPath] | None = None

    @property
    def document(self) -> dict[str, Any]:
        return self.editor.document

    def _warn(self, location: KeyPath, message: str, hint: str) -> None:
        self.warnings.append(
            located_problem(
                location,
                message,
                hint,
                file=self.file,
                source_map=self.source_map,
                severity="warning",
            )
        )

    def mend_keys(self) -> None:
        """Write each mapping key that is not a string as JSON writes it.

        OpenAPI keys are strings, but YAML reads an unquoted `200:` as a
        number. One warning counts every key written anew.

        Raises:
            InputError: a mapping has a key, such as 200, beside the string
                that it becomes, such as "200".
        """
        # The key path of the first key written anew, in document order.
        first: KeyPath | None = None
        count = 0
        # Backwards, so that each mapping is mended before the one that
        # contains it and its key path still leads to it.
        for location in reversed(_mappings_with_other_keys(self.document)):
            mapping = self.editor.writable(location)
            items = list(mapping.items())
            mapping.clear()
            # The key as written, by the text that it becomes.
            written: dict[str, Any] = {}
            first_here: KeyPath | None = None
            for key, value in items:
                text = key if isinstance(key, str) else _json_key(key)
                if text in written:
                    origin = locate(
                        location, file=self.file, source_map=self.source_map
                    )
                    # The line of the second key, and the path of the mapping.
                    line = locate(
                        (*location, key), file=self.file, source_map=self.source_map
                    ).line
                    raise input_error(
                        f"keys {written[text]!r} and {key!r} are the same key in JSON",
                        "remove or rename one of them",
                        file=origin.file,
                        line=line,
                        key_path=origin.key_path,
                    )
                written[text] = key
                mapping[text] = value
                if not isinstance(key, str):
                    count += 1
                    first_here = first_here or (*location, text)
            first = first_here or first
        if first is None:
            return
        self._warn(
            first,
            f"{count} mapping key(s) are numbers, booleans or null, but OpenAPI "
            "keys are strings, so each was read as the text that JSON writes for it",
            "quote those keys in the document, as in '200':",
        )

    def mend(self, defects: list[_Defect]) -> bool:
        """Mend what can be mended of `defects`; return whether anything changed.

        The schemas are mended first, because a default that fails only
        because of a defect in its schema (`exclusiveMinimum: true` compares
        as the number 1) must be checked against the mended schema.
        """
        before = len(self.warnings)
        done: set[KeyPath] = set()
        defaults: list[KeyPath] = []
        anchors: list[KeyPath] = []
        for defect in defects:
            location = defect.location
            if location is None or location in done:
                continue
            if defect.kind == "default":
                if location not in defaults:
                    defaults.append(location)
                continue
            if defect.kind != "schema" or not location:
                continue
            if self._mend_schema_value(defect.error, location, anchors):
                done.add(location)

        for location in anchors:
            self._mend_recursive_anchor(location)
        for location in defaults:
            self._mend_default(location)
        return len(self.warnings) > before

    def _mend_schema_value(
        self, error: ValidationError, location: KeyPath, anchors: list[KeyPath]
    ) -> bool:
        # An earlier repair of this round may have dropped the key.
        schema = _value_at(self.document, location[:-1])
        keyword = location[-1]
        if not isinstance(schema, dict) or keyword not in schema:
            return False
        value = schema[keyword]
        if keyword == "required" and error.validator == "uniqueItems":
            return self._mend_required(location, value)
        if not (self.is_31 and isinstance(value, bool) and error.validator == "type"):
            return False
        if keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            return self._mend_exclusive(location, value)
        if keyword == "$recursiveAnchor":
            anchors.append(location)
            return True
        return False

    def _mend_required(self, location: KeyPath, names: Any) -> bool:
        if not isinstance(names, list):
            return False
        kept: list[Any] = []
        repeated: list[Any] = []
        for name in names:
            if name not in kept:
                kept.append(name)
            elif name not in repeated:
                repeated.append(name)
        if not repeated:
            return False

        self.editor.writable(location[:-1])[location[-1]] = kept
        listed = ", ".join(repr(name) for name in repeated)
        self._warn(
            location,
            f"`required` lists {listed} more than once",
            "nanogen kept the first of each",
        )
        return True

    def _mend_exclusive(self, location: KeyPath, flag: bool) -> bool:
        # OpenAPI 3.0 (JSON Schema draft 4) writes an exclusive bound as a flag
        # beside `minimum`, and 3.1 (draft 2020-12) writes the bound itself.
        exclusive = str(location[-1])
        bound = dict(EXCLUSIVE_BOUNDS)[exclusive]
        schema_location = location[:-1]
        schema = _value_at(self.document, schema_location)
        bound_value = schema.get(bound)
        message = (
            f"`{exclusive}: {str(flag).lower()}` is the OpenAPI 3.0 form, which "
            "OpenAPI 3.1 rejects"
        )
        if flag and _is_number(bound_value):
            writable = self.editor.writable(schema_location)
            _replace_key(writable, bound, exclusive, bound_value)
            hint = (
                f"nanogen replaced it and `{bound}: {bound_value!r}` with "
                f"`{exclusive}: {bound_value!r}`, which means the same"
            )
        else:
            del self.editor.writable(schema_location)[exclusive]
            if flag:
                hint = (
                    "nanogen dropped it, because it has no effect without a "
                    f"numeric `{bound}`"
                )
            else:
                hint = "nanogen dropped it, because `false` has no effect"
        self._warn(location, message, hint)
        return True

    def _mend_recursive_anchor(self, location: KeyPath) -> None:
        """Replace a JSON Schema 2019-09 `$recursiveAnchor` and the refs that use it.

        `$recursiveRef: "#"` refers to the root of its schema resource. In an
        OpenAPI document only `$id` starts a resource, but the tools that
        write these keywords give each component schema its own, so nanogen
        reads the `$recursiveRef`s inside a schema with `$recursiveAnchor: true`
        as refs to that schema. When another schema
        with `$recursiveAnchor: true` reaches this one, draft 2019-09 sends
        the refs to the outermost of them, which no `$ref` can name.
        """
        schema_location = location[:-1]
        anchor = _value_at(self.document, location)
        message = (
            f"`$recursiveAnchor: {str(anchor).lower()}` is a JSON Schema 2019-09 "
            "keyword that OpenAPI 3.1 (JSON Schema 2020-12) rejects as a boolean"
        )
        schema = _value_at(self.document, schema_location)
        uses = list(_recursive_refs(schema, ())) if anchor else []
        target = "#" + "".join(f"/{_escape(part)}" for part in schema_location)
        # The dynamic scope is that of the input, before any anchor was dropped.
        if self._anchored is None:
            self._anchored = _recursive_anchors(self.input)
        outer = any(
            other != schema_location and _reaches(self.input, other, schema_location)
            for other in self._anchored
        )

        del self.editor.writable(schema_location)["$recursiveAnchor"]
        replaced = 0
        for where in uses:
            ref_location = (*schema_location, *where)
            if self._mend_recursive_ref(ref_location, None if outer else target):
                replaced += 1

        if not anchor:
            hint = "nanogen dropped it, because `false` has no effect"
        elif not uses:
            hint = "nanogen dropped it, because no `$recursiveRef` uses it"
        elif outer:
            hint = (
                "nanogen dropped it and the `$recursiveRef`s that use it, because "
                "another schema with `$recursiveAnchor: true` reaches this one"
            )
        elif replaced == len(uses):
            hint = (
                "nanogen dropped it and replaced the `$recursiveRef`s that use it "
                f"with `$ref: {target!r}`"
            )
        else:
            hint = (
                f"nanogen dropped it, replaced {replaced} of the {len(uses)} "
                f"`$recursiveRef`s that use it with `$ref: {target!r}` and "
                "dropped the others"
            )
        self._warn(location, message, hint)

    def _mend_recursive_ref(self, location: KeyPath, target: str | None) -> bool:
        """Replace a `$recursiveRef` by a `$ref` to `target`, or drop it.

        Return whether it was replaced.
        """
        schema = self.editor.writable(location)
        ref = schema["$recursiveRef"]
        message = f"`$recursiveRef: {ref!r}` is a JSON Schema 2019-09 keyword"
        if target is None:
            reason = "the schema it refers to depends on the schemas around it"
        elif ref != "#":
            reason = "only `'#'` has an equivalent `$ref`"
        elif "$ref" in schema:
            reason = "a `$ref` is already beside it"
        else:
            _replace_key(schema, "$recursiveRef", "$ref", target)
            self._warn(
                (*location, "$recursiveRef"),
                message,
                f"nanogen replaced it with `$ref: {target!r}`, the same schema",
            )
            return True

        del schema["$recursiveRef"]
        self._warn(
            (*location, "$recursiveRef"),
            message,
            f"nanogen dropped it, because {reason}, so this schema no longer "
            "checks the value against the recursive schema",
        )
        return False

    def _mend_default(self, location: KeyPath) -> None:
        # Checked again here, against the schema as mended so far.
        schema_location = location[:-1]
        schema = _value_at(self.document, schema_location)
        if not isinstance(schema, dict) or "default" not in schema:
            return
        value = schema["default"]
        errors = self._default_errors(schema_location, value)
        if not errors:
            return

        del self.editor.writable(schema_location)["default"]
        reason = " ".join(errors[0].message.split())
        self._warn(
            location,
            f"`default` {_shorten(repr(value), 80)} does not match its schema: "
            f"{_shorten(reason, 200)}",
            _DEFAULT_HINT,
        )

    def _default_errors(self, location: KeyPath, value: Any) -> list[ValidationError]:
        validator = self.validator_class(self.document)
        schema = validator.schema_path
        for part in location:
            schema = schema / part
        check = validator.keyword_validators_registry["default"]
        return list(check(schema, value))


def _recursive_refs(schema: Any, where: KeyPath) -> Iterator[KeyPath]:
    """Yield the position of each subschema with `$recursiveRef` in `schema`.

    A subschema with its own `$recursiveAnchor` or `$id` starts a new scope,
    and a `$ref` leads to another schema, so neither is searched. Only the
    values of keywords that hold subschemas are searched: `default`, `enum`,
    `const` and the names under `properties` are data.
    """
    if not isinstance(schema, dict):
        return
    if where and ("$recursiveAnchor" in schema or "$id" in schema):
        return
    if "$recursiveRef" in schema:
        yield where
    for path, subschema in LENIENT_SUBSCHEMAS.subschemas(schema):
        yield from _recursive_refs(subschema, (*where, *path))


def _reaches(document: dict[str, Any], start: KeyPath, goal: KeyPath) -> bool:
    """Tell whether the value at `goal` is inside `start` or a `$ref` it reaches.

    Every `$ref` in every value is followed, data included, so this may find
    a path that no validator takes, never the reverse.
    """
    seen: set[KeyPath] = set()
    pending = [start]
    while pending:
        location = pending.pop()
        if location in seen:
            continue
        seen.add(location)
        if goal[: len(location)] == location:
            return True
        stack = [_value_at(document, location)]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                target = (
                    _pointer_location(document, ref) if isinstance(ref, str) else None
                )
                if target is not None:
                    pending.append(target)
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return False


def _recursive_anchors(document: dict[str, Any]) -> list[KeyPath]:
    """Return the key path of every mapping with `$recursiveAnchor: true`.

    Data is searched too, so the list may hold more than the schemas.
    """
    found = []
    stack: list[tuple[KeyPath, Any]] = [((), document)]
    while stack:
        location, node = stack.pop()
        if isinstance(node, dict):
            if node.get("$recursiveAnchor") is True:
                found.append(location)
            stack.extend(((*location, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(
                ((*location, index), value) for index, value in enumerate(node)
            )
    return found


def _mappings_with_other_keys(document: dict[str, Any]) -> list[KeyPath]:
    """Return the key path of every mapping with a key that is not a string.

    The mappings come in document order, each before those inside it.
    """
    return [
        location
        for location, node in _document_nodes(document)
        if isinstance(node, dict) and any(type(key) is not str for key in node)
    ]


def _document_nodes(document: dict[str, Any]) -> Iterator[tuple[KeyPath, Any]]:
    """Yield the key path of every mapping and list, with it, in document order."""
    stack: list[tuple[KeyPath, Any]] = [((), document)]
    while stack:
        location, node = stack.pop()
        yield location, node
        items = node.items() if isinstance(node, dict) else enumerate(node)
        children = [
            ((*location, key), value)
            for key, value in items
            if isinstance(value, dict | list)
        ]
        stack.extend(reversed(children))


def _json_key(key: Any) -> str:
    """Return the text that JSON writes for a key: 200 as "200", true as "true"."""
    try:
        return str(next(iter(json.loads(json.dumps({key: None})))))
    except (TypeError, ValueError):
        return str(key)


def _replace_key(mapping: dict[str, Any], old: str, new: str, value: Any) -> None:
    """Put `new: value` where `old` was, in place; drop any other `new`."""
    items = [(key, item) for key, item in mapping.items() if key != new]
    mapping.clear()
    for key, item in items:
        if key == old:
            mapping[new] = value
        else:
            mapping[key] = item


def _escape(part: str | int) -> str:
    """Write one key of a JSON pointer in a URI fragment (RFC 6901)."""
    return quote(str(part).replace("~", "~0").replace("/", "~1"), safe="")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
