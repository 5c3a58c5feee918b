"""Pydantic v2 model code for a set of named JSON Schemas.

`generate_models` takes the named schemas of one OpenAPI document: its
`components.schemas`, plus any inline request, response or parameter schema
that `nanogen.render` gave a name. It returns the source of a Python module
with one `BaseModel` class per object schema and one type alias per other
schema.
Generator templates and hooks call it; `nanogen.render` hands its result to
templates as `model_code`.

The code is built one schema at a time and cached by the schema's JSON text
and the names it refers to, so a schema that hundreds of split services share
is turned into code once per process.

How JSON Schema maps to pydantic:

- A model never rejects a value that its schema allows, and may accept some
  that it forbids: the generated service checks every request and response
  with jsonschema first, and the models give the handler typed values.
  Keywords that pydantic cannot check as JSON Schema does are left out:
  `multipleOf`, `not`, `if`/`then`/`else`, `dependentRequired`,
  `dependentSchemas`, `prefixItems`, `contains`, `propertyNames`,
  `minProperties`, `maxProperties`, `patternProperties`, `format` and
  `pattern`. The service matches a `pattern` with RE2 in its jsonschema
  check, and Python's `re` would take time exponential in the length of
  some texts that RE2 accepts (`^(?:(a+)+c|a*)$` on `aaa...a`). So
  pydantic distinguishes the object variants of a union by their other
  keywords alone.
- Models are strict (`"1"` is not an integer) and reject unknown properties
  when `additionalProperties` is false and no `patternProperties` are set.
  JSON Schema counts 1.0 as an integer, which strict pydantic does not: the
  service turns such numbers into ints before the models see them. String
  enums become `Literal`. Other `enum` and `const` values are compared as
  JSON Schema compares them (1 equals 1.0, but not true), and so are the
  items of a `uniqueItems` array.
- An optional property whose schema does not allow null defaults to `None`
  without accepting an explicit null, because pydantic does not validate
  defaults. Serialize with `exclude_unset=True` so the default is not sent.
- Property names that are not identifiers (`from`, `Parameter1.Name`, `$ref`)
  get a field name from `nanogen.filters.identifier` and an alias. Models
  validate by alias only, so only the JSON names are accepted.
- `allOf` is merged into one schema. `oneOf` with a discriminator whose
  variants fix the property to one value is a discriminated union; other
  `oneOf` and `anyOf` are plain unions, which accept a value that matches
  more than one variant.
- Names are resolved late (`from __future__ import annotations`,
  `model_rebuild` and `TypeAliasType`), so schemas may refer to each other in
  any order and recursively.
- OpenAPI 3.0 `nullable` and boolean exclusive bounds are read as 3.0 means
  them. `readOnly` and `writeOnly` properties are never required, because
  one model serves requests and responses. A `format: binary` string also
  accepts bytes, for multipart file parts.
- `$recursiveRef` and `$dynamicRef` accept any value.
"""

from __future__ import annotations

import builtins
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nanogen.filters import (
    class_name,
    identifier,
    py_comment,
    py_docstring,
    py_literal,
    py_str,
)

REF_PREFIX = "#/components/schemas/"

# Names the generated module imports, with the import line of each.
_IMPORTS: dict[str, str] = {
    "Annotated": "typing",
    "Any": "typing",
    "Literal": "typing",
    "Optional": "typing",
    "Union": "typing",
    "Ge": "annotated_types",
    "Gt": "annotated_types",
    "Le": "annotated_types",
    "Len": "annotated_types",
    "Lt": "annotated_types",
    "AfterValidator": "pydantic",
    "BeforeValidator": "pydantic",
    "BaseModel": "pydantic",
    "ConfigDict": "pydantic",
    "Field": "pydantic",
    "StringConstraints": "pydantic",
    "ValidationError": "pydantic",
    "ValidatorFunctionWrapHandler": "pydantic",
    "WrapValidator": "pydantic",
    "TypeAliasType": "typing_extensions",
}

# Helper functions the generated code may call; each is emitted only when used.
_HELPERS: dict[str, str] = {
    "_json_key": '''
def _json_key(value: Any) -> Any:
    """Return a hashable key that is equal for values that JSON Schema counts as equal.

    As in JSON Schema, 1 equals 1.0 but not true, and objects are equal
    whatever the order of their properties. Models count as their JSON form.
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        whole = isinstance(value, float) and value.is_integer()
        return ("number", int(value) if whole else value)
    if isinstance(value, list | tuple):
        return ("array", tuple(_json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_key(item)) for key, item in value.items()))
    return (type(value).__name__, value)
''',
    "_unique_items": '''
def _unique_items(items: Any) -> Any:
    """Reject a list with two equal items, as JSON Schema `uniqueItems` does."""
    if isinstance(items, list):
        keys = [_json_key(item) for item in items]
        if len(set(keys)) != len(keys):
            raise ValueError("items must be unique")
    return items
''',
    "_one_of_values": '''
def _one_of_values(*allowed: Any) -> AfterValidator:
    """Accept only the given JSON values, as JSON Schema `enum` and `const` do."""
    keys = {_json_key(value) for value in allowed}

    def check(value: Any) -> Any:
        if _json_key(value) not in keys:
            raise ValueError(f"must be one of {list(allowed)!r}")
        return value

    return AfterValidator(check)
''',
    "_by_discriminator": '''
def _by_discriminator(property_name: str, classes: dict[str, str]) -> WrapValidator:
    """Validate an object first as the class that its discriminator value names.

    JSON Schema ignores the discriminator, so a value that the named class
    rejects, or that names none, is validated as the plain union.
    """

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        tag = value.get(property_name) if isinstance(value, dict) else None
        model = globals().get(classes.get(tag, "")) if isinstance(tag, str) else None
        if model is not None:
            try:
                return model.model_validate(value)
            except ValidationError:
                pass
        return handler(value)

    return WrapValidator(validate)
''',
    "_other_than": '''
def _other_than(kind: type) -> AfterValidator:
    """Accept any value but one of `kind` (dict for objects, list for arrays)."""

    def check(value: Any) -> Any:
        if isinstance(value, kind):
            raise ValueError(f"must not be a {kind.__name__}")
        return value

    return AfterValidator(check)
''',
    # A schema without `type` constrains only the values its keywords are
    # about: `properties` constrain objects, and every value that is not an
    # object is valid as it is.
    "NotAnObject": """
# Any JSON value but an object, which a schema without `type` allows as it is.
NotAnObject = Annotated[Any, _other_than(dict)]
""",
    "NotAnArray": """
# Any JSON value but an array, which a schema without `type` allows as it is.
NotAnArray = Annotated[Any, _other_than(list)]
""",
    "_reject_all": '''
def _reject_all(value: Any) -> Any:
    """Reject every value, as the JSON Schema `false` does."""
    raise ValueError("no value is allowed here")
''',
}

# Field names that would shadow a `BaseModel` attribute or a name the
# annotations use: pydantic warns about the first and misreads the second.
_RESERVED_FIELDS = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "str",
        "int",
        "float",
        "bool",
        "list",
        "tuple",
        "type",
        "object",
        "bytes",
    }
)
_RESERVED_CLASSES = (
    frozenset(_IMPORTS)
    | frozenset(name for name in _HELPERS if name[:1].isupper())
    | frozenset(name for name in dir(builtins) if name[:1].isupper())
)


@dataclass(frozen=True)
class Models:
    """The code of a models module and the Python name given to each schema.

    `open_classes` are the classes of schemas without `type`, which allow
    any value that is not an object as well: the type of such a value is
    `<class> | NotAnObject`.
    """

    code: str
    names: dict[str, str]
    open_classes: frozenset[str] = frozenset()


def generate_models(
    schemas: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
) -> Models:
    """Return the models module for named schemas, cached across calls.

    `schemas` become strict models and aliases. `parameters` are schemas of
    path, query, header and cookie parameters, whose values arrive as text:
    they become lax type aliases, so that `"5"` is accepted as an integer.
    """
    parameters = parameters or {}
    schema_texts = {name: _canonical(schema) for name, schema in schemas.items()}
    parameter_texts = {name: _canonical(schema) for name, schema in parameters.items()}
    key = (tuple(schema_texts.items()), tuple(parameter_texts.items()))
    cached = _MODULE_CACHE.get(key)
    if cached is None:
        cached = _generate(schemas, parameters, schema_texts)
        _remember(_MODULE_CACHE, key, cached, limit=32)
    return cached


def model_code(schemas: Mapping[str, Any]) -> str:
    """Return the models module for named schemas; see `generate_models`."""
    return generate_models(schemas).code


# Whole modules, for the many split services that reach the same schemas, and
# single definitions, for services that share only some of them. Both are
# bounded: a module of a large split can hold megabytes of schema text.
_MODULE_CACHE: dict[Any, Models] = {}
_BLOCK_CACHE: dict[Any, str] = {}


def _remember(cache: dict[Any, Any], key: Any, value: Any, *, limit: int) -> None:
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, ensure_ascii=False)


def _generate(
    schemas: Mapping[str, Any],
    parameters: Mapping[str, Any],
    texts: Mapping[str, str],
) -> Models:
    names = _python_names([*schemas, *parameters])
    builder = _Builder(schemas, names)

    blocks = []
    for name, schema in schemas.items():
        dependencies = _dependency_key(builder, schema, texts)
        key = (name, names[name], texts[name], dependencies)
        block = _BLOCK_CACHE.get(key)
        if block is None:
            block_builder = _Builder(schemas, names)
            block = block_builder.named_block(name, schema)
            _remember(_BLOCK_CACHE, key, block, limit=65536)
        blocks.append(block)
    for name, schema in parameters.items():
        parameter_builder = _Builder(schemas, names, lax=True)
        parameter_builder.alias(names[name], schema)
        blocks.append("\n\n".join(parameter_builder.classes))

    body = "\n\n".join(block for block in blocks if block)
    classes = re.findall(r"^class (\w+)\(BaseModel\):", body, flags=re.MULTILINE)
    if classes:
        body += "\n\n" + "".join(f"{name}.model_rebuild()\n" for name in classes)
    open_classes = frozenset(
        names[name] for name, schema in schemas.items() if builder.is_open_class(schema)
    )
    # Code outside this module types the values of open classes with it.
    header = _module_header(body, required=["NotAnObject"] if open_classes else [])
    return Models(code=header + body, names=names, open_classes=open_classes)


def _python_names(names: Iterable[str]) -> dict[str, str]:
    """Give every schema a unique class name; collisions get `_2`, `_3`..."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = re.sub(r"_{2,}", "_", class_name(name.lstrip("_") or name))
        if base in _RESERVED_CLASSES:
            base += "Model"
        candidate, counter = base, 1
        while candidate in taken:
            counter += 1
            # rstrip keeps `__` out of top-level names, which nested classes use.
            candidate = f"{base.rstrip('_')}_{counter}"
        taken.add(candidate)
        result[name] = candidate
    return result


def field_names(properties: Iterable[str]) -> dict[str, str]:
    """Map each property name to a unique Python field name, the same every time."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for prop in properties:
        base = identifier(prop)
        if base in _RESERVED_FIELDS or base.startswith("model_"):
            base += "_"
        candidate, counter = base, 1
        while candidate in taken:
            counter += 1
            candidate = f"{base}_{counter}"
        taken.add(candidate)
        result[prop] = candidate
    return result


def _module_header(body: str, required: Iterable[str] = ()) -> str:
    """Return the imports and the helpers that `body` uses, and the `required` helpers."""
    # Descriptions become comment lines and docstrings, whose words import
    # nothing. `py_docstring` escapes every `"`, so no docstring holds `"""`.
    code_only = re.sub(r'"""[\s\S]*?"""|^[ \t]*#.*$', "", body, flags=re.MULTILINE)
    words = set(re.findall(r"\w+", code_only)) | set(required)
    # A helper calls only helpers listed before it in `_HELPERS`, so one
    # pass from the end finds every helper that another one needs.
    for name in reversed(_HELPERS):
        if name in words:
            words |= set(re.findall(r"\w+", _HELPERS[name]))
    helpers = [code for name, code in _HELPERS.items() if name in words]
    used = {name for name in _IMPORTS if name in words}

    standard: list[str] = []
    third_party: list[str] = []
    for module in ("typing", "annotated_types", "pydantic", "typing_extensions"):
        imported = sorted(name for name in used if _IMPORTS[name] == module)
        if imported:
            line = f"from {module} import {', '.join(imported)}"
            (standard if module == "typing" else third_party).append(line)
    groups = [
        "from __future__ import annotations",
        *filter(None, ["\n".join(standard), "\n".join(third_party)]),
    ]
    header = "\n\n".join(groups) + "\n"
    if helpers:
        header += "\n\n" + "\n\n".join(helper.strip("\n") + "\n" for helper in helpers)
    return header + "\n\n"


def _refs(schema: Any) -> set[str]:
    """Return the names of the component schemas that a schema refers to."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF_PREFIX):
                found.add(_unescape_pointer(ref[len(REF_PREFIX) :]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _dependency_key(
    builder: _Builder, schema: Any, texts: Mapping[str, str]
) -> tuple[tuple[str, str, str], ...]:
    """Return what besides its own text the code of one schema depends on.

    That is the Python name of every schema it refers to, and the text of
    those whose content it reads (`allOf` parts, discriminated variants).
    """
    content = builder.content_dependencies(schema)
    key = []
    for ref in sorted(_refs(schema) | content):
        if ref in builder.names:
            if ref in content:
                text = texts.get(ref, "")
            else:
                # A reference to a nullable class allows null, and one to a
                # class without `type` any value but an object.
                target = builder.schemas.get(ref)
                text = "nullable" if _nullable_class(builder, target) else ""
                text += " open" if builder.is_open_class(target) else ""
            key.append((ref, builder.names[ref], text))
    return tuple(key)


class _Builder:
    """Turns schemas into type expressions and class definitions."""

    def __init__(
        self,
        schemas: Mapping[str, Any],
        names: Mapping[str, str],
        *,
        lax: bool = False,
    ) -> None:
        self.schemas = schemas
        self.names = names
        self.lax = lax
        self.classes: list[str] = []
        self.nested_names: set[str] = set()
        self.inlined = 0
        self.merging = 0
        self.forward_references = False

    # -- schema shape -------------------------------------------------------

    def resolve(self, schema: Any, depth: int = 0) -> Any:
        """Follow a bare `$ref` to the component it names."""
        while isinstance(schema, dict) and set(schema) == {"$ref"} and depth < 32:
            name = self._ref_name(schema)
            if name is None or name not in self.schemas:
                break
            schema = self.schemas[name]
            depth += 1
        return schema

    def _ref_name(self, schema: dict[str, Any]) -> str | None:
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            return _unescape_pointer(ref[len(REF_PREFIX) :])
        return None

    def normalize(self, schema: Any, depth: int = 0) -> Any:
        """Merge `allOf` and turn a `$ref` with constraints beside it into `allOf`."""
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema and set(schema) - {"$ref"} - _ANNOTATIONS:
            rest = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {"allOf": [{"$ref": schema["$ref"]}, rest]}
        if "allOf" in schema and depth < 16:
            merged = {key: value for key, value in schema.items() if key != "allOf"}
            for part in schema["allOf"]:
                part = self.normalize(self.resolve(part), depth + 1)
                merged = _merge(merged, part) if isinstance(part, dict) else merged
            schema = merged
        if (
            schema.get("unevaluatedProperties") is False
            and "properties" in schema
            and not set(schema) & _PROPERTY_APPLICATORS
        ):
            # Once `allOf` is merged, and with no other keyword that evaluates
            # properties, the evaluated properties are exactly the merged
            # `properties`, so this is `additionalProperties: false`.
            schema = {**schema, "additionalProperties": False}
        return schema

    def is_class(self, schema: Any) -> bool:
        """Tell whether a named schema becomes a class rather than an alias."""
        schema = self.normalize(schema)
        if not isinstance(schema, dict) or "$ref" in schema:
            return False
        if any(key in schema for key in ("oneOf", "anyOf", "enum", "const")):
            return False
        types = _types(schema)
        return types == ["object"] and _has_class_shape(schema)

    def is_open_class(self, schema: Any) -> bool:
        """Tell whether a schema becomes a class and has no `type`, so allows non-objects."""
        return self.is_class(schema) and "type" not in self.normalize(schema)

    def content_dependencies(self, schema: Any) -> set[str]:
        """Return the schemas whose content, not only name, shapes this schema's code."""
        found: set[str] = set()
        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                parts = list(node.get("allOf", []))
                if "discriminator" in node or _constrains_variants(node):
                    parts += node.get("oneOf", []) + node.get("anyOf", [])
                if "$ref" in node and set(node) - {"$ref"} - _ANNOTATIONS:
                    parts.append({"$ref": node["$ref"]})
                for part in parts:
                    ref = self._ref_name(part) if isinstance(part, dict) else None
                    if ref is not None and ref not in found and ref in self.schemas:
                        found.add(ref)
                        stack.append(self.schemas[ref])
                stack.extend(value for key, value in node.items() if key != "allOf")
                stack.extend(node.get("allOf", []))
            elif isinstance(node, list):
                stack.extend(node)
        return found

    # -- code ---------------------------------------------------------------

    def named_block(self, name: str, schema: Any) -> str:
        """Return the class or alias definition of one named schema."""
        python_name = self.names[name]
        if self.is_class(schema):
            self.class_definition(python_name, self.normalize(schema))
        else:
            self.alias(python_name, schema)
        return "\n\n".join(self.classes)

    def alias(self, python_name: str, schema: Any) -> None:
        """Append a type alias, after the classes it nests.

        An alias that names other schemas is a `TypeAliasType`, whose quoted
        names pydantic resolves in this module whenever it is used, so the
        aliases need no order and may refer to themselves.
        """
        self.forward_references = False
        expression = self.expression(schema, python_name, "", eager=True)
        description = _description(schema)
        comment = f"# {py_comment(description)}\n" if description else ""
        if self.forward_references:
            self.classes.append(
                f"{comment}{python_name} = TypeAliasType("
                f"{py_str(python_name)}, {expression})\n"
            )
        else:
            self.classes.append(f"{comment}{python_name} = {expression}\n")

    def class_definition(self, python_name: str, schema: dict[str, Any]) -> None:
        """Append the class for an object schema, after the classes it nests."""
        properties = schema.get("properties") or {}
        # A readOnly property is left out of requests and a writeOnly one out
        # of responses, so neither is required in a model that serves both.
        required = [
            name
            for name in schema.get("required", [])
            if isinstance(name, str)
            and not self._read_or_write_only(properties.get(name))
        ]
        # A required name without a schema may hold any value.
        for name in required:
            if name not in properties:
                properties = {**properties, name: {}}
        fields = field_names(properties)

        lines = [f"class {python_name}(BaseModel):"]
        description = _description(schema)
        if description:
            lines.append(f'    """{py_docstring(description)}"""')
            lines.append("")
        lines.append(f"    model_config = ConfigDict({self._config(schema)})")
        extra = _additional_properties(schema)
        if isinstance(extra, dict) and extra:
            value = self.expression(extra, python_name, "additional", eager=False)
            lines.append(
                f"    __pydantic_extra__: dict[str, {value}] = Field(init=False)"
            )

        lines.append("")
        for prop, prop_schema in properties.items():
            prop_description = _description(prop_schema)
            if prop_description:
                lines.append(f"    # {py_comment(prop_description)}")
            annotation = self.expression(prop_schema, python_name, prop, eager=False)
            lines.append(
                self._field_line(fields[prop], prop, annotation, prop_schema, required)
            )
        self.classes.append("\n".join(lines) + "\n")

    def _read_or_write_only(self, schema: Any) -> bool:
        # NOTE: only the property's own keywords count, not those of a schema
        # it refers to, because the block cache keys on the property's text.
        return isinstance(schema, dict) and (
            schema.get("readOnly") is True or schema.get("writeOnly") is True
        )

    def _config(self, schema: dict[str, Any]) -> str:
        extra = _additional_properties(schema)
        options = ['extra="forbid"' if extra is False else 'extra="allow"']
        options.append("strict=True")
        return ", ".join(options)

    def _field_line(
        self,
        field: str,
        prop: str,
        annotation: str,
        schema: Any,
        required: list[str],
    ) -> str:
        arguments = []
        if prop not in required:
            default = schema.get("default") if isinstance(schema, dict) else None
            arguments.append(f"default={_default_literal(default)}")
        if field != prop:
            arguments.append(f"alias={py_str(prop)}")
        if not arguments:
            return f"    {field}: {annotation}"
        if arguments == ["default=None"]:
            return f"    {field}: {annotation} = None"
        return f"    {field}: {annotation} = Field({', '.join(arguments)})"

    def expression(self, schema: Any, owner: str, hint: str, *, eager: bool) -> str:
        """Return the type expression of a schema.

        `eager` expressions are evaluated when the module runs (alias values),
        so they quote the names of other schemas and avoid `X | Y`. Class
        annotations are evaluated late and use neither.
        """
        if schema is True or schema == {} or schema is None:
            return "Any"
        if schema is False:
            return "Annotated[Any, AfterValidator(_reject_all)]"
        if not isinstance(schema, dict):
            return "Any"
        schema = self.normalize(schema)
        nullable = schema.get("nullable") is True

        if "$ref" in schema:
            expression = self._reference(schema, owner, hint, eager=eager)
        elif "oneOf" in schema or "anyOf" in schema:
            expression = self._union_expression(schema, owner, hint, eager=eager)
        elif "const" in schema or "enum" in schema:
            expression = self._enum_expression(schema)
        else:
            kinds = _types(schema)
            members = [
                self._typed_expression(kind, schema, owner, hint, eager=eager)
                for kind in kinds
            ]
            if "type" not in schema and kinds == ["object"]:
                members.append("NotAnObject")
            elif "type" not in schema and kinds == ["array"]:
                members.append("NotAnArray")
            expression = _union(members, eager=eager)
        if nullable and expression not in ("Any", "None"):
            expression = _union([expression, "None"], eager=eager)
        return expression

    def _reference(
        self, schema: dict[str, Any], owner: str, hint: str, *, eager: bool
    ) -> str:
        ref = self._ref_name(schema)
        if ref is None or ref not in self.names:
            # NOTE: references outside components.schemas are not followed.
            return "Any"
        target = self.schemas.get(ref)
        if (
            self.lax
            and target is not None
            and not self.is_class(target)
            and self.inlined < 8
        ):
            # Parameter types spell out the schemas they name, because the
            # aliases of those schemas are strict and parameters are lax.
            self.inlined += 1
            try:
                return self.expression(target, owner, hint, eager=eager)
            finally:
                self.inlined -= 1
        name = self.names[ref]
        if eager and not self.lax:
            # Parameter aliases come after every schema's definition, so
            # only the aliases of schemas need forward references.
            self.forward_references = True
            name = py_str(name)
        if _nullable_class(self, target):
            # OpenAPI 3.0 `nullable` on an object schema: its class cannot
            # hold null, so every reference to it allows null.
            return _union([name, "None"], eager=eager)
        if self.is_open_class(target):
            return _union([name, "NotAnObject"], eager=eager)
        return name

    def _union_expression(
        self, schema: dict[str, Any], owner: str, hint: str, *, eager: bool
    ) -> str:
        variants = schema.get("oneOf") or schema.get("anyOf") or []
        field = self._discriminator_field(schema, variants)
        merge = (
            field is None
            and _constrains_variants(schema)
            and self.merging < MAX_MERGE_DEPTH
        )
        if merge:
            # A value must match the keywords beside `oneOf` as well as one
            # variant, so each variant is merged with them.
            rest = {
                key: value
                for key, value in schema.items()
                if key not in ("oneOf", "anyOf", "discriminator", "nullable")
            }
            variants = [{"allOf": [rest, variant]} for variant in variants]
            self.merging += 1
        try:
            members = [
                self.expression(variant, owner, f"{hint}Option{index + 1}", eager=eager)
                for index, variant in enumerate(variants)
            ]
        finally:
            if merge:
                self.merging -= 1
        expression = _union(members, eager=eager)
        if field is not None and len(members) > 1:
            expression = (
                f"Annotated[{_union(members, eager=True)}, "
                f"Field(discriminator={py_str(field)})]"
            )
        elif not merge and len(set(members)) > 1 and "Any" not in members:
            named = self._discriminator_classes(schema, variants)
            if named:
                prop = schema["discriminator"]["propertyName"]
                expression = (
                    f"Annotated[{_union(members, eager=True)}, "
                    f"_by_discriminator({py_str(prop)}, {py_literal(named)})]"
                )
        return expression

    def _discriminator_classes(
        self, schema: dict[str, Any], variants: list[Any]
    ) -> dict[str, str]:
        """Map each discriminator value to the class of the variant it names.

        A value names a variant through the discriminator's `mapping`, else
        by the variant's schema name (OpenAPI, "Discriminator Object").
        Only variants that are classes are named.
        """
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict) or not isinstance(
            discriminator.get("propertyName"), str
        ):
            return {}
        classes: dict[str, str] = {}
        for variant in variants:
            ref = self._ref_name(variant) if isinstance(variant, dict) else None
            if (
                ref is not None
                and ref in self.names
                and self.is_class(self.schemas.get(ref))
            ):
                classes[ref] = self.names[ref]
        named: dict[str, str] = {}
        mapping = discriminator.get("mapping")
        for value, target in (mapping if isinstance(mapping, dict) else {}).items():
            if isinstance(target, str):
                name = _unescape_pointer(target.removeprefix(REF_PREFIX))
                if name in classes:
                    named[str(value)] = classes[name]
        for name, python_name in classes.items():
            named.setdefault(name, python_name)
        return named

    def _discriminator_field(
        self, schema: dict[str, Any], variants: list[Any]
    ) -> str | None:
        """Return the Python field name to discriminate on, if every variant fixes it."""
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict):
            return None
        prop = discriminator.get("propertyName")
        if not isinstance(prop, str):
            return None
        fields = set()
        values: set[str] = set()
        for variant in variants:
            if not isinstance(variant, dict) or self._ref_name(variant) is None:
                return None
            target = self.normalize(self.resolve(variant))
            if not self.is_class(target):
                return None
            properties = target.get("properties", {})
            value_schema = properties.get(prop)
            if prop not in target.get("required", []) or not isinstance(
                value_schema, dict
            ):
                return None
            if "const" in value_schema:
                value = value_schema["const"]
            elif len(value_schema.get("enum") or []) == 1:
                value = value_schema["enum"][0]
            else:
                return None
            # pydantic rejects a discriminated union in which two variants
            # share a value, or whose values are not strings.
            if not isinstance(value, str) or value in values:
                return None
            values.add(value)
            fields.add(field_names(properties)[prop])
        return fields.pop() if len(fields) == 1 else None

    def _enum_expression(self, schema: dict[str, Any]) -> str:
        values = [schema["const"]] if "const" in schema else list(schema["enum"])
        types = schema.get("type")
        if types is not None:
            allowed = types if isinstance(types, list) else [types]
            values = [value for value in values if _json_type_matches(value, allowed)]
        if schema.get("nullable") is True and None not in values:
            values.append(None)
        # `Literal` compares numbers and booleans as Python does (1 == True,
        # and strict mode rejects 1.0 for 1), so it holds only strings.
        if values and all(value is None or isinstance(value, str) for value in values):
            return f"Literal[{', '.join(py_literal(value) for value in values)}]"
        arguments = ", ".join(py_literal(value) for value in values)
        return f"Annotated[Any, _one_of_values({arguments})]"

    def _typed_expression(
        self, kind: str, schema: dict[str, Any], owner: str, hint: str, *, eager: bool
    ) -> str:
        if kind == "null":
            return "None"
        if kind == "boolean":
            return "bool"
        if kind == "string":
            return self._string_expression(schema, eager=eager)
        if kind in ("integer", "number"):
            base = "int" if kind == "integer" else _union(["int", "float"], eager=eager)
            constraints = _number_constraints(schema, integer=kind == "integer")
            return (
                f"Annotated[{base}, {', '.join(constraints)}]" if constraints else base
            )
        if kind == "array":
            return self._array_expression(schema, owner, hint, eager=eager)
        if kind == "object":
            return self._object_expression(schema, owner, hint, eager=eager)
        return "Any"

    def _string_expression(self, schema: dict[str, Any], *, eager: bool) -> str:
        if schema.get("format") == "binary" or "contentMediaType" in schema:
            # A file part of a multipart body arrives as bytes; in JSON the
            # same schema describes a string.
            return _union(["str", "bytes"], eager=eager)
        # `pattern` is left to jsonschema, which the service runs first and
        # which matches it with RE2. Python's `re`, here, would take time
        # exponential in the length of some texts that RE2 has accepted.
        arguments = []
        if isinstance(schema.get("minLength"), int):
            arguments.append(f"min_length={schema['minLength']}")
        if isinstance(schema.get("maxLength"), int):
            arguments.append(f"max_length={schema['maxLength']}")
        if not arguments:
            return "str"
        return f"Annotated[str, StringConstraints({', '.join(arguments)})]"

    def _array_expression(
        self, schema: dict[str, Any], owner: str, hint: str, *, eager: bool
    ) -> str:
        # With `prefixItems`, `items` holds only for the items after them, so
        # the model takes any items and jsonschema checks both keywords.
        # `contains` is left to jsonschema too.
        items = {} if "prefixItems" in schema else schema.get("items", {})
        item = self.expression(items, owner, f"{hint}Item", eager=eager)
        constraints = []
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(low, int) or isinstance(high, int):
            constraints.append(f"Len({low if isinstance(low, int) else 0}, {high})")
        if schema.get("uniqueItems") is True:
            # Before the items are validated, so that it compares JSON values.
            constraints.append("BeforeValidator(_unique_items)")
        if constraints:
            return f"Annotated[list[{item}], {', '.join(constraints)}]"
        return f"list[{item}]"

    def _object_expression(
        self, schema: dict[str, Any], owner: str, hint: str, *, eager: bool
    ) -> str:
        if _has_class_shape(schema):
            # `_python_names` keeps `__` out of top-level names, so nested
            # names cannot collide with them.
            base = f"{owner}__{re.sub(r'_{2,}', '_', class_name(hint or 'Value'))}"
            nested, counter = base, 1
            while nested in self.nested_names:
                counter += 1
                nested = f"{base}_{counter}"
            self.nested_names.add(nested)
            self.class_definition(nested, schema)
            # A nested class is defined before the alias or class that uses it.
            return nested
        extra = _additional_properties(schema)
        value = "Any"
        if isinstance(extra, dict):
            value = self.expression(extra, owner, f"{hint}Value", eager=eager)
        return f"dict[str, {value}]"


# Merges of the keywords beside `oneOf` into its variants that may nest. A
# merge inlines the variants' content, so without a bound a union inside a
# cycle of schemas would be inlined again and again.
MAX_MERGE_DEPTH = 2

# Keywords that constrain a value, of JSON Schema 2020-12's validation and
# applicator vocabularies.
_VALIDATION_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "unevaluatedProperties",
        "minProperties",
        "maxProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "enum",
        "const",
        "not",
        "allOf",
    }
)

# Keywords besides `properties` whose subschemas can evaluate properties for
# `unevaluatedProperties`.
_PROPERTY_APPLICATORS = frozenset(
    {
        "patternProperties",
        "additionalProperties",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "$ref",
        "$dynamicRef",
    }
)

# Keywords that describe a schema without constraining it.
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "default",
        "$comment",
        "externalDocs",
        "xml",
    }
)


def _nullable_class(builder: _Builder, schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("nullable") is True
        and builder.is_class(schema)
    )


def _constrains_variants(schema: dict[str, Any]) -> bool:
    """Tell whether validation keywords beside `oneOf` or `anyOf` constrain its variants.

    Annotations and extensions (Stripe's `x-expansionResources`) do not
    count, and neither does a lone `type` when every variant is a reference
    or has a type of its own, which is the usual way to write a union of
    objects.
    """
    variants = schema.get("oneOf") or schema.get("anyOf")
    if not isinstance(variants, list):
        return False
    siblings = set(schema) & _VALIDATION_KEYWORDS
    if siblings - {"type"}:
        return True
    return bool(siblings) and not all(
        isinstance(variant, dict) and ("$ref" in variant or "type" in variant)
        for variant in variants
    )


def _description(schema: Any) -> str:
    if not isinstance(schema, dict):
        return ""
    text = schema.get("description") or schema.get("title") or ""
    return text if isinstance(text, str) else ""


def _types(schema: dict[str, Any]) -> list[str]:
    """Return the JSON types a schema allows, inferred when `type` is absent."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [item for item in kind if isinstance(item, str)] or ["any"]
    if "properties" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return ["any"]


def _has_class_shape(schema: dict[str, Any]) -> bool:
    return bool(schema.get("properties")) or _additional_properties(schema) is False


def _additional_properties(schema: dict[str, Any]) -> Any:
    """Return the schema that the model gives properties it does not declare.

    `additionalProperties` does not hold for names that match
    `patternProperties`, which a model cannot tell apart, so there the model
    takes any property and jsonschema checks both keywords.
    """
    if schema.get("patternProperties"):
        return True
    return schema.get("additionalProperties", True)


def _union(members: list[str], *, eager: bool) -> str:
    unique = list(dict.fromkeys(members))
    if "Any" in unique:
        return "Any"
    if len(unique) == 1:
        return unique[0]
    if eager:
        others = [member for member in unique if member != "None"]
        if len(others) == 1:
            return f"Optional[{others[0]}]"
        return f"Union[{', '.join(unique)}]"
    return " | ".join(unique)


def _number_constraints(schema: dict[str, Any], *, integer: bool) -> list[str]:
    """Return the bounds of a number as annotated_types constraints.

    `multipleOf` is left to jsonschema: pydantic's float remainder rejects
    0.5 as a multiple of 0.1, and jsonschema divides instead.
    """
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    low_exclusive, high_exclusive = (
        schema.get("exclusiveMinimum"),
        schema.get("exclusiveMaximum"),
    )
    # OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum.
    if low_exclusive is True and _is_number(minimum):
        low_exclusive, minimum = minimum, None
    if high_exclusive is True and _is_number(maximum):
        high_exclusive, maximum = maximum, None
    bounds = [
        ("Ge", minimum),
        ("Gt", low_exclusive),
        ("Le", maximum),
        ("Lt", high_exclusive),
    ]
    constraints = []
    for name, value in bounds:
        if not _is_number(value) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            # YAML can write `.nan` and `.inf`, which pydantic cannot compare.
            continue
        if integer and isinstance(value, float):
            # pydantic takes only integer bounds for an int, and for integers
            # `>= 0.5` is `>= 1` and `< 2.5` is `<= 2`.
            name, value = _integer_bound(name, value)
        constraints.append(f"{name}({value!r})")
    return constraints


def _integer_bound(name: str, value: float) -> tuple[str, int]:
    """Return the bound on integers that a float bound sets."""
    if value.is_integer():
        return name, int(value)
    if name in ("Ge", "Gt"):
        return "Ge", math.ceil(value)
    return "Le", math.floor(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_type_matches(value: Any, types: list[str]) -> bool:
    checks: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str),
        # JSON Schema counts 1.0 as an integer.
        "integer": lambda v: _is_number(v) and (isinstance(v, int) or v.is_integer()),
        "number": _is_number,
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    return any(kind not in checks or checks[kind](value) for kind in types)


def _default_literal(value: Any) -> str:
    try:
        return py_literal(value)
    except (TypeError, ValueError):
        return "None"


_TIGHTER_LOW = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_TIGHTER_HIGH = (
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
)


def _merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Merge two schemas that must both hold, as the parts of an `allOf`.

    Properties are merged by name, `required` is the union, numeric bounds
    take the tighter value, and `additionalProperties: false` in either part
    forbids unknown properties. Other keywords take the later part's value.
    """
    merged = _numeric_exclusive_bounds(left)
    for key, value in _numeric_exclusive_bounds(right).items():
        if key not in merged:
            merged[key] = value
        elif key == "properties" and isinstance(value, dict):
            properties = dict(merged[key])
            for name, schema in value.items():
                if name in properties and properties[name] != schema:
                    properties[name] = {"allOf": [properties[name], schema]}
                else:
                    properties[name] = schema
            merged[key] = properties
        elif key == "required" and isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif key in _TIGHTER_LOW and _is_number(value) and _is_number(merged[key]):
            merged[key] = max(merged[key], value)
        elif key in _TIGHTER_HIGH and _is_number(value) and _is_number(merged[key]):
            merged[key] = min(merged[key], value)
        elif key == "additionalProperties":
            merged[key] = False if False in (merged[key], value) else value
        else:
            merged[key] = value
    return merged


def _numeric_exclusive_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """Write OpenAPI 3.0's boolean exclusive bounds as the numbers they mark.

    `{minimum: 3, exclusiveMinimum: true}` becomes `{exclusiveMinimum: 3}`,
    so that merging it with `{minimum: 5}` keeps both bounds.
    """
    if not any(
        isinstance(schema.get(key), bool)
        for key in ("exclusiveMinimum", "exclusiveMaximum")
    ):
        return dict(schema)
    result = dict(schema)
    for inclusive, exclusive in (
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ):
        if isinstance(result.get(exclusive), bool):
            if result.pop(exclusive) and _is_number(result.get(inclusive)):
                result[exclusive] = result.pop(inclusive)
    return result
