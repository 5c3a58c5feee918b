"""Decompose a validated capability list into nanoservice specs.

Takes the data that `nanogen.validate` accepted and hands `emit` one
`nanogen.spec.Nanoservice` per capability. Field shorthands (`string?`,
`Money[]`) become JSON Schema 2020-12, every reference to a shared schema is
rewritten as `#/components/schemas/<Name>`, and each nanoservice gets exactly
the shared schemas its input and output reach.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

from nanogen.errors import input_error
from nanogen.schema_keywords import CAPABILITY_SUBSCHEMAS
from nanogen.spec import (
    DEFAULT_IDEMPOTENT,
    EFFECTS,
    HTTP_METHODS,
    Effect,
    Example,
    Nanoservice,
    SecurityKind,
)

COMPONENTS_PREFIX = "#/components/schemas/"

# The JSON Schema for each built-in shorthand type. `object` is a free-form
# object: any properties are allowed.
BUILTIN_TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object"},
}

_PATH_PARAMETER = re.compile(r"\{([^{}/]+)\}")
_SCHEMA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def pascal_case(name: str) -> str:
    """Turn a kebab-case name into PascalCase: `create-order` -> `CreateOrder`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def path_parameters(path: str) -> list[str]:
    """Return the names of the `{field}` segments of a URL path, in order."""
    return _PATH_PARAMETER.findall(path)


def normalize_schema(schema: Any, schemas: Mapping[str, Any]) -> Any:
    """Return a copy of a JSON Schema with shared-schema references normalised.

    `{$ref: Money}` becomes `{$ref: "#/components/schemas/Money"}`. References
    that are not a bare schema name are kept as written.
    """
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)

    result = CAPABILITY_SUBSCHEMAS.map_subschemas(
        schema, lambda subschema, _: normalize_schema(subschema, schemas), copy.deepcopy
    )
    ref = schema.get("$ref")
    if isinstance(ref, str):
        result["$ref"] = _normalize_ref(ref, schemas)
    return result


def _normalize_ref(ref: str, schemas: Mapping[str, Any]) -> str:
    # A bare name is always meant as a shared schema, so an unknown one is
    # reported as missing rather than left as a relative URI.
    if ref in schemas or _SCHEMA_NAME.match(ref):
        return COMPONENTS_PREFIX + ref
    return ref


def field_schema(field_type: Any, schemas: Mapping[str, Any]) -> tuple[Any, bool]:
    """Expand one field type into its JSON Schema and whether it is required.

    A shorthand ends in `?` when the field is optional; a full JSON Schema is
    required unless it has a `default`.

    Raises:
        ValueError: the shorthand names neither a built-in type nor a shared
            schema.
    """
    if not isinstance(field_type, str):
        full_schema = normalize_schema(field_type, schemas)
        required = not (isinstance(full_schema, dict) and "default" in full_schema)
        return full_schema, required

    text = field_type.strip()
    required = not text.endswith("?")
    text = text.removesuffix("?")

    depth = 0
    while text.endswith("[]"):
        text = text[:-2]
        depth += 1

    if text in BUILTIN_TYPES:
        schema: Any = dict(BUILTIN_TYPES[text])
    elif text in schemas:
        schema = {"$ref": COMPONENTS_PREFIX + text}
    else:
        raise ValueError(f"unknown type {text!r} in field type {field_type!r}")

    for _ in range(depth):
        schema = {"type": "array", "items": schema}
    return schema, required


def expand_fields(fields: Mapping[str, Any] | None, schemas: Mapping[str, Any]) -> dict:
    """Expand a field map into an object JSON Schema.

    The result has `type: object`, `properties` and `required` in field order
    (no `required` when every field is optional) and `additionalProperties:
    false`. `schemas` is the capability list's map of shared schemas by name.

    Raises:
        ValueError: a shorthand names an unknown type.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field_type in (fields or {}).items():
        schema, is_required = field_schema(field_type, schemas)
        properties[name] = schema
        if is_required:
            required.append(name)

    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    result["additionalProperties"] = False
    return result


def iter_refs(schema: Any) -> Iterator[str]:
    """Yield every `$ref` of a JSON Schema, in document order.

    Only schema positions are searched: a `$ref` key inside `enum`, `const`,
    `default` or `examples` is data.
    """
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            yield value
        for _, subschema in CAPABILITY_SUBSCHEMAS.keyword_subschemas(key, value):
            yield from iter_refs(subschema)


def reached_schemas(
    roots: list[Any], shared: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Collect the shared schemas that `roots` reach, directly or through others.

    `shared` maps names to normalised shared schemas. Returns the reached
    schemas sorted by name, and the names referred to but not in `shared`.
    Cycles end because a schema is visited once.
    """
    seen: set[str] = set()
    missing: list[str] = []
    pending = [ref for root in roots for ref in iter_refs(root)]
    while pending:
        ref = pending.pop()
        if not ref.startswith(COMPONENTS_PREFIX):
            continue
        name = ref.removeprefix(COMPONENTS_PREFIX)
        if name in seen:
            continue
        seen.add(name)
        if name not in shared:
            missing.append(name)
            continue
        pending.extend(iter_refs(shared[name]))

    # Copies, so that no two nanoservices share a mutable schema.
    reached = {
        name: copy.deepcopy(shared[name]) for name in sorted(seen) if name in shared
    }
    return reached, sorted(missing)


def json_pointer(*parts: str | int) -> str:
    """Join parts into an RFC 6901 JSON Pointer, escaping `~` and `/`."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "".join("/" + part for part in escaped)


def decompose_capabilities(
    data: Mapping[str, Any],
    *,
    source_file: str,
    documents: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Nanoservice]:
    """Build one `Nanoservice` per capability of a validated capability list.

    Nanoservices come in file order. `source_file` names the input in each
    nanoservice's `source`, such as `nanogen.yaml#/services/payments/capabilities/1`.
    The same data always gives equal results. A capability that names an
    OpenAPI document with `openapi` is built from that document, which
    `documents` holds by the path as written.

    Raises:
        InputError: a field type, reference or path parameter does not
            resolve. `nanogen.validate` reports these first, with line numbers.
    """
    raw_schemas: Mapping[str, Any] = data.get("schemas") or {}
    shared = {
        name: normalize_schema(schema, raw_schemas)
        for name, schema in raw_schemas.items()
    }
    project_security = data.get("security", "api-key")

    nanoservices = []
    for service_name, service in (data.get("services") or {}).items():
        for index, capability in enumerate(service.get("capabilities") or []):
            if "openapi" in capability:
                reference = capability["openapi"]
                nanoservices.append(
                    nanoservice_for_document(
                        (documents or {})[reference],
                        project=data["project"],
                        service=service_name,
                        capability=capability["name"],
                        source=source_file
                        + "#"
                        + json_pointer("services", service_name, "capabilities", index),
                        document_file=reference,
                        effect=capability.get("effect"),
                        idempotent=capability.get("idempotent"),
                        summary=capability.get("summary"),
                        code=capability.get("code", True),
                    )
                )
                continue
            nanoservices.append(
                _build_nanoservice(
                    data["project"],
                    service_name,
                    index,
                    capability,
                    raw_schemas=raw_schemas,
                    shared=shared,
                    project_security=project_security,
                    source_file=source_file,
                )
            )
    return nanoservices


def _build_nanoservice(
    project: str,
    service_name: str,
    index: int,
    capability: Mapping[str, Any],
    *,
    raw_schemas: Mapping[str, Any],
    shared: Mapping[str, Any],
    project_security: str,
    source_file: str,
) -> Nanoservice:
    key_path = f"services.{service_name}.capabilities[{index}]"
    name = capability["name"]
    effect = capability["effect"]
    path = capability.get("path") or f"/{name}"

    try:
        input_schema = expand_fields(capability.get("input"), raw_schemas)
        output_schema = expand_fields(capability.get("output"), raw_schemas)
    except ValueError as error:
        raise input_error(
            str(error),
            "use string, integer, number, boolean, object or a name under `schemas`",
            file=source_file,
            key_path=key_path,
        ) from error

    for parameter in path_parameters(path):
        if parameter not in input_schema["properties"]:
            raise input_error(
                f"path parameter {{{parameter}}} in {path!r} is not an input field",
                f"add {parameter!r} under `input` or remove it from `path`",
                file=source_file,
                key_path=f"{key_path}.path",
            )

    has_input = bool(input_schema["properties"])
    roots = [input_schema, output_schema] if has_input else [output_schema]
    schemas, missing = reached_schemas(roots, shared)
    if missing:
        raise input_error(
            f"reference to unknown shared schema {missing[0]!r}",
            "define it under `schemas` or fix the name",
            file=source_file,
            key_path=key_path,
        )
    _check_reserved_names(name, schemas, source_file=source_file, key_path=key_path)

    return Nanoservice(
        project=project,
        service=service_name,
        capability=name,
        method=str(capability.get("method") or "POST").lower(),
        path=path,
        summary=capability.get("summary", ""),
        description=capability.get("description", ""),
        effect=effect,
        idempotent=capability.get("idempotent", DEFAULT_IDEMPOTENT[effect]),
        security=capability.get("security", project_security),
        input_schema=input_schema if has_input else None,
        output_schema=output_schema,
        errors={
            int(status): text
            for status, text in sorted(
                (capability.get("errors") or {}).items(), key=lambda item: int(item[0])
            )
        },
        examples=tuple(
            Example(
                summary=example.get("summary", ""),
                input=copy.deepcopy(example.get("input")),
                output=copy.deepcopy(example.get("output")),
            )
            for example in capability.get("examples") or []
        ),
        schemas=schemas,
        source=source_file
        + "#"
        + json_pointer("services", service_name, "capabilities", index),
        code=capability.get("code", True),
    )


def _check_reserved_names(
    capability: str, schemas: Mapping[str, Any], *, source_file: str, key_path: str
) -> None:
    # The emitted document names its own components; a shared schema of the
    # same name would be silently replaced by them.
    stem = pascal_case(capability)
    for reserved in (f"{stem}Input", f"{stem}Output", "Problem"):
        if reserved in schemas:
            raise input_error(
                f"shared schema {reserved!r} clashes with a component that nanogen "
                f"generates for capability {capability!r}",
                "rename the shared schema",
                file=source_file,
                key_path=key_path,
            )


# What a call of each method does to state, by its meaning in RFC 9110.
EFFECT_BY_METHOD: dict[str, Effect] = {
    "get": "read",
    "head": "read",
    "options": "read",
    "trace": "read",
    "post": "create",
    "put": "update",
    "patch": "update",
    "delete": "delete",
}


def single_operation(document: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """Return the path, method and operation of a one-operation document.

    Raises `ValueError` when the document holds no operation or several.
    """
    paths = document.get("paths") or {}
    if not isinstance(paths, dict):
        raise ValueError("'paths' is not a mapping")
    operations = [
        (path, method, item[method])
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in HTTP_METHODS
        if isinstance(item.get(method), dict)
    ]
    if len(operations) != 1:
        raise ValueError(
            f"the document holds {len(operations)} operations, "
            "and a nanoservice's document holds exactly one"
        )
    return operations[0]


def _document_schemas(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the document's component schemas, or none where they are not a mapping."""
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    return dict(schemas) if isinstance(schemas, dict) else {}


def x_nanogen_block(operation: Mapping[str, Any]) -> dict[str, Any]:
    """Return the operation's `x-nanogen` mapping, or an empty one."""
    block = operation.get("x-nanogen")
    return block if isinstance(block, dict) else {}


def nanoservice_for_document(
    document: Mapping[str, Any],
    *,
    project: str,
    service: str,
    capability: str,
    source: str = "",
    document_file: str = "",
    effect: Effect | None = None,
    idempotent: bool | None = None,
    summary: str | None = None,
    code: bool = True,
) -> Nanoservice:
    """Build the `Nanoservice` of a document that holds one operation.

    An argument that is given wins. Otherwise the operation's `x-nanogen`
    block sets `effect`, `idempotent` and `source` where it has them, as
    `nanogen.emit` writes them. Without either, the effect follows the HTTP
    method (`EFFECT_BY_METHOD`) and idempotence the effect, as in a
    capability list (`DEFAULT_IDEMPOTENT`). Generators render such a
    nanoservice from the document itself, and `security` here only
    summarises it (`security_kind`).

    Raises:
        ValueError: the document contains no operation or several.
    """
    path, method, operation = single_operation(document)
    x_nanogen = x_nanogen_block(operation)
    if effect is None:
        effect = x_nanogen.get("effect")
        if effect not in EFFECTS:
            effect = EFFECT_BY_METHOD[method]
    if idempotent is None:
        idempotent = x_nanogen.get("idempotent")
        if not isinstance(idempotent, bool):
            idempotent = DEFAULT_IDEMPOTENT[effect]
    return Nanoservice(
        project=project,
        service=service,
        capability=capability,
        method=method,
        path=path,
        summary=str(summary or operation.get("summary") or ""),
        description=str(operation.get("description") or ""),
        effect=effect,
        idempotent=idempotent,
        security=security_kind(document, operation),
        schemas=_document_schemas(document),
        source=source or str(x_nanogen.get("source") or ""),
        document_file=document_file,
        code=code,
    )


def security_kind(
    document: Mapping[str, Any], operation: Mapping[str, Any]
) -> SecurityKind:
    """Summarise an operation's security requirements as api-key, bearer or none.

    An empty requirement (`{}`) makes credentials optional, so it gives none,
    and so does an operation without requirements. Otherwise any `apiKey`
    scheme gives api-key, and every other scheme type bearer.
    """
    requirements = operation.get("security", document.get("security")) or []
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    kinds: set[SecurityKind] = set()
    for requirement in requirements:
        if not requirement:
            return "none"
        for name in requirement:
            scheme = schemes.get(name) or {}
            if scheme.get("type") == "apiKey":
                kinds.add("api-key")
            else:
                kinds.add("bearer")
    if not kinds:
        return "none"
    return "api-key" if "api-key" in kinds else "bearer"
