"""Upgrade an OpenAPI 3.0 document to OpenAPI 3.1.0.

Takes the data of an OpenAPI 3.0.x document with every `$ref` internal, as
`bundle` hands it on (or as `convert` returns it from Swagger 2.0), and
returns the same API as an OpenAPI 3.1.0 document for `split`. A document
that is already OpenAPI 3.1 is returned as it is.

The changes from 3.0 to 3.1 are limited to the Schema Object, which became
JSON Schema 2020-12. `nullable` is gone, `exclusiveMinimum` and
`exclusiveMaximum` hold the bound itself, and `example` becomes `examples`.
The keys next to a `$ref` are no longer ignored, and binary bodies are
described with `contentMediaType` and `contentEncoding` in place of `format`.
The upgrade finds every Schema Object by its position in the OpenAPI
structure and rewrites only those. It is a pure function: the input is not changed,
and the result may share unchanged values with it. What does not carry over
exactly becomes a warning `Problem` whose key path points into the input.
docs/upgrade.md lists every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nanogen.errors import Problem, display_key_path, input_error, type_name
from nanogen.schema_keywords import EXCLUSIVE_BOUNDS, SUBSCHEMAS
from nanogen.spec import HTTP_METHODS

OPENAPI_VERSION = "3.1.0"

KeyPath = tuple[str | int, ...]

_VERSION_30 = re.compile(r"3\.0\.\d+")

# Keywords that only document a schema. Next to a `$ref` they are kept
# without a warning of their own, because in 3.1 they change no tool's
# handling of a value. One warning for the document counts them all.
_DOCUMENTATION = frozenset(
    ["title", "description", "examples", "externalDocs", "$comment"]
)
# Keywords that describe a schema without constraining its values. They stay
# outside when a nullable schema is wrapped in `anyOf`, and next to a `$ref`
# they are kept. `default`, `readOnly`, `writeOnly`, `deprecated` and `xml`
# change how generators treat a value, so each such `$ref` is warned about.
_ANNOTATIONS = _DOCUMENTATION | frozenset(
    ["default", "deprecated", "readOnly", "writeOnly", "xml"]
)

# With any of these, adding "null" to `type` does not let null through,
# because the subschemas or the referenced schema still reject it.
_WRAP_WHEN_NULLABLE = ("$ref", "allOf", "oneOf", "anyOf", "not")

# A raw binary body: the media type names what the bytes are.
_RAW_BINARY_FORMATS = frozenset(["binary"])
# A body that is sent as base64 text of the bytes.
_BASE64_FORMATS = frozenset(["base64", "byte"])


@dataclass(frozen=True)
class Upgraded:
    """An OpenAPI 3.1.0 document upgraded from 3.0, and what did not carry over."""

    document: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)


def upgrade_to_31(document: dict[str, Any], *, file: str) -> Upgraded:
    """Upgrade an OpenAPI 3.0.x document to OpenAPI 3.1.0.

    `file` names the input in messages. A 3.1.x document is returned
    unchanged, as the same object. The same input always gives the same
    document, key order included.

    Raises:
        InputError: `document` is not OpenAPI 3.0.x or 3.1.x.
    """
    if _check_version(document, file) == "3.1":
        return Upgraded(document, [])

    upgrader = _Upgrader(file)
    try:
        result = upgrader.upgrade(document)
    except RecursionError:
        raise input_error(
            "the document is nested too deep to upgrade",
            "check the document for data nested hundreds of levels deep",
            file=file,
        ) from None
    return Upgraded(result, sorted(upgrader.warnings, key=Problem.sort_key))


def _check_version(document: Any, file: str) -> str:
    """Return "3.0" or "3.1", or raise an `InputError` with the fix."""
    if not isinstance(document, dict):
        raise input_error(
            "the document is not a mapping",
            "give an OpenAPI 3.0 document with `openapi: 3.0.3` at the top level",
            file=file,
        )
    if "swagger" in document and "openapi" not in document:
        raise input_error(
            f"the document is Swagger {document['swagger']}, not OpenAPI 3.0",
            "convert it to OpenAPI 3.0 first with nanogen.convert.convert_swagger2",
            file=file,
            key_path="swagger",
        )
    if "openapi" not in document:
        raise input_error(
            "missing `openapi`, so the document is not OpenAPI 3.0",
            "add `openapi: 3.0.3` at the top level if it is an OpenAPI 3.0 document",
            file=file,
            key_path="openapi",
        )

    version = document["openapi"]
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        raise input_error(
            f"`openapi` is the number {version!r}, not a string",
            'quote the full version: `openapi: "3.0.3"`',
            file=file,
            key_path="openapi",
        )
    if isinstance(version, str) and _VERSION_30.fullmatch(version):
        return "3.0"
    if isinstance(version, str) and version.startswith("3.1."):
        return "3.1"
    raise input_error(
        f"unsupported OpenAPI version {version!r}",
        "only OpenAPI 3.0.x documents are upgraded to 3.1.0, and 3.1.x ones are "
        "read as they are; set `openapi` to the version the document follows, "
        "such as 3.0.3",
        file=file,
        key_path="openapi",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _keys_text(keys: list[str]) -> str:
    return ", ".join(repr(key) for key in keys)


def _replace_key(
    mapping: dict[str, Any], old: str, new: str, value: Any
) -> dict[str, Any]:
    """Return `mapping` with `old` replaced by `new: value` at the same position.

    Any other entry named `new` is dropped.
    """
    result: dict[str, Any] = {}
    for key, item in mapping.items():
        if key == old:
            result[new] = value
        elif key != new:
            result[key] = item
    return result


def _media_type_kind(media_type: str) -> str:
    """Classify a media type key as "json", "form" or "other"."""
    name = media_type.split(";", 1)[0].strip().lower()
    subtype = name.partition("/")[2]
    if subtype == "json" or subtype.endswith("+json"):
        return "json"
    if name.startswith("multipart/") or name == "application/x-www-form-urlencoded":
        return "form"
    return "other"


class _Upgrader:
    """One upgrade: the input file's name and the warnings found on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.warnings: list[Problem] = []
        self._documented_refs: list[tuple[KeyPath, list[str]]] = []

    def _warn(self, where: KeyPath, message: str, hint: str = "") -> None:
        self.warnings.append(
            Problem(
                message,
                hint,
                file=self.file,
                key_path=display_key_path(where),
                severity="warning",
            )
        )

    # --- The OpenAPI structure ----------------------------------------------
    #
    # Each method takes a value from the input and its key path, and returns
    # the upgraded value. A value of an unexpected type is returned as it is,
    # for the validator to report. A Reference Object is returned as it is,
    # because the object it points to is upgraded where it is defined.

    def upgrade(self, source: dict[str, Any]) -> dict[str, Any]:
        document = dict(source)
        document["openapi"] = OPENAPI_VERSION
        if "paths" in source:
            document["paths"] = self._path_items(source["paths"], ("paths",))
        # Not OpenAPI 3.0, but a document written for 3.1 tools may have it.
        if "webhooks" in source:
            document["webhooks"] = self._path_items(source["webhooks"], ("webhooks",))
        if isinstance(source.get("components"), dict):
            document["components"] = self._components(source["components"])
        self._warn_documented_refs()
        return document

    def _components(self, source: dict[str, Any]) -> dict[str, Any]:
        sections: dict[str, Callable[[Any, KeyPath], Any]] = {
            "schemas": self._schema,
            "parameters": self._parameter,
            "headers": self._parameter,
            "requestBodies": self._request_body,
            "responses": self._response,
            "callbacks": self._callback,
            "pathItems": self._path_item,
        }
        components = dict(source)
        for name, upgrade in sections.items():
            if name in source:
                components[name] = self._each(
                    source[name], ("components", name), upgrade
                )
        return components

    def _each(
        self,
        value: Any,
        where: KeyPath,
        upgrade: Callable[[Any, KeyPath], Any],
        *,
        extensions: bool = False,
    ) -> Any:
        """Upgrade every value of a mapping whose keys are names, not fields.

        With `extensions`, `x-` keys are specification extensions, as in the
        Paths, Responses and Callback Objects, and their values are data.
        Elsewhere an `x-` key is a name like any other: a property or header
        may be called `x-next`.
        """
        if not isinstance(value, dict):
            return value
        return {
            key: (
                item
                if extensions and str(key).startswith("x-")
                else upgrade(item, (*where, key))
            )
            for key, item in value.items()
        }

    def _each_item(
        self, value: Any, where: KeyPath, upgrade: Callable[[Any, KeyPath], Any]
    ) -> Any:
        if not isinstance(value, list):
            return value
        return [upgrade(item, (*where, index)) for index, item in enumerate(value)]

    def _path_items(self, value: Any, where: KeyPath) -> Any:
        return self._each(value, where, self._path_item, extensions=True)

    def _path_item(self, value: Any, where: KeyPath) -> Any:
        # A Path Item may hold operations next to its own `$ref`.
        if not isinstance(value, dict):
            return value
        item = dict(value)
        for method in HTTP_METHODS:
            if method in value:
                item[method] = self._operation(value[method], (*where, method))
        if "parameters" in value:
            item["parameters"] = self._each_item(
                value["parameters"], (*where, "parameters"), self._parameter
            )
        return item

    def _operation(self, value: Any, where: KeyPath) -> Any:
        if not isinstance(value, dict):
            return value
        operation = dict(value)
        if "parameters" in value:
            operation["parameters"] = self._each_item(
                value["parameters"], (*where, "parameters"), self._parameter
            )
        if "requestBody" in value:
            operation["requestBody"] = self._request_body(
                value["requestBody"], (*where, "requestBody")
            )
        if "responses" in value:
            operation["responses"] = self._each(
                value["responses"],
                (*where, "responses"),
                self._response,
                extensions=True,
            )
        if "callbacks" in value:
            operation["callbacks"] = self._each(
                value["callbacks"], (*where, "callbacks"), self._callback
            )
        return operation

    def _callback(self, value: Any, where: KeyPath) -> Any:
        if not isinstance(value, dict) or "$ref" in value:
            return value
        return self._path_items(value, where)

    def _parameter(self, value: Any, where: KeyPath) -> Any:
        """Upgrade a Parameter Object or a Header Object, which share their fields."""
        if not isinstance(value, dict) or "$ref" in value:
            return value
        parameter = dict(value)
        if "schema" in value:
            parameter["schema"] = self._schema(value["schema"], (*where, "schema"))
        if "content" in value:
            parameter["content"] = self._content(
                value["content"], (*where, "content"), body=False
            )
        return parameter

    def _request_body(self, value: Any, where: KeyPath) -> Any:
        if not isinstance(value, dict) or "$ref" in value:
            return value
        body = dict(value)
        if "content" in value:
            body["content"] = self._content(
                value["content"], (*where, "content"), body=True
            )
        return body

    def _response(self, value: Any, where: KeyPath) -> Any:
        if not isinstance(value, dict) or "$ref" in value:
            return value
        response = dict(value)
        if "headers" in value:
            response["headers"] = self._each(
                value["headers"], (*where, "headers"), self._parameter
            )
        if "content" in value:
            response["content"] = self._content(
                value["content"], (*where, "content"), body=True
            )
        return response

    def _content(self, value: Any, where: KeyPath, *, body: bool) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            media_type: self._media_type(
                str(media_type), item, (*where, media_type), body=body
            )
            for media_type, item in value.items()
        }

    def _media_type(
        self, media_type: str, value: Any, where: KeyPath, *, body: bool
    ) -> Any:
        if not isinstance(value, dict):
            return value
        result = dict(value)
        if "schema" in value:
            schema = self._schema(value["schema"], (*where, "schema"))
            if body:
                schema = self._body_schema(schema, media_type)
            result["schema"] = schema
        if "encoding" in value:
            result["encoding"] = self._each(
                value["encoding"], (*where, "encoding"), self._encoding
            )
        return result

    def _encoding(self, value: Any, where: KeyPath) -> Any:
        if not isinstance(value, dict) or "headers" not in value:
            return value
        encoding = dict(value)
        encoding["headers"] = self._each(
            value["headers"], (*where, "headers"), self._parameter
        )
        return encoding

    # --- Schema Objects -----------------------------------------------------

    def _schema(self, value: Any, where: KeyPath) -> Any:
        """Upgrade a Schema Object and every schema inside it.

        Only keywords that hold schemas are walked (`SUBSCHEMAS`), draft
        2020-12 ones included, because 3.0 documents written for newer tools
        may contain them. A list under `items` is not OpenAPI 3.0 or 3.1, but
        its schemas are upgraded all the same. The keys of `properties` are
        names, so a property called `nullable` or `type` stays a property,
        and the values of `default`, `example`, `enum`, `const` and `x-` keys
        are data, taken as they are.
        """
        if not isinstance(value, dict):
            return value

        schema = SUBSCHEMAS.map_subschemas(
            value, lambda subschema, path: self._schema(subschema, (*where, *path))
        )

        # `example` becomes `examples` before `$ref` siblings and `nullable`
        # are handled, so both see the 3.1 keyword.
        schema = self._examples(schema, where)
        schema = self._exclusive_bounds(schema, where)
        if "x-nullable" in schema:
            self._warn(
                (*where, "x-nullable"),
                "x-nullable is a Swagger 2.0 extension that OpenAPI 3.0 ignores, "
                "so it was kept and still has no effect",
                'add "null" to `type` if the value may be null, and remove x-nullable',
            )
        if "$ref" in schema:
            schema = self._ref_siblings(schema, where)
        if "nullable" in schema:
            schema = self._nullable(schema, where)
        return schema

    def _examples(self, schema: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        """Turn `example: value` into `examples: [value]`."""
        examples = schema.get("examples")
        if "examples" in schema and not isinstance(examples, list):
            # JSON Schema `examples` is a list of values, and a mapping here
            # usually copies the Media Type Object's `examples`.
            if "x-examples" in schema:
                schema = {
                    key: item for key, item in schema.items() if key != "examples"
                }
                outcome = "it was dropped, because x-examples is already set"
            else:
                schema = _replace_key(schema, "examples", "x-examples", examples)
                outcome = "it was renamed x-examples"
            self._warn(
                (*where, "examples"),
                f"examples is {type_name(examples)}, but OpenAPI 3.1 schemas take "
                f"a list of example values, so {outcome}",
                "list the example values under `examples`",
            )
            examples = None

        if "example" not in schema:
            return schema
        example = schema["example"]
        if isinstance(examples, list):
            values = examples if example in examples else [example, *examples]
            schema = {key: item for key, item in schema.items() if key != "example"}
            schema["examples"] = values
            return schema
        return _replace_key(schema, "example", "examples", [example])

    def _exclusive_bounds(
        self, schema: dict[str, Any], where: KeyPath
    ) -> dict[str, Any]:
        """Turn `minimum: 7, exclusiveMinimum: true` into `exclusiveMinimum: 7`."""
        for exclusive, bound in EXCLUSIVE_BOUNDS:
            if exclusive not in schema:
                continue
            flag = schema[exclusive]
            if _is_number(flag):
                continue  # Already the 3.1 form.
            without_flag = {
                key: item for key, item in schema.items() if key != exclusive
            }
            if flag is True and _is_number(schema.get(bound)):
                schema = _replace_key(without_flag, bound, exclusive, schema[bound])
            elif flag is True:
                schema = without_flag
                self._warn(
                    (*where, exclusive),
                    f"{exclusive}: true without a numeric `{bound}` has no effect, "
                    "so it was dropped",
                    f"set `{exclusive}` to the bound itself",
                )
            elif flag is False:
                # False is the 3.0 default: the bound, if any, is inclusive.
                schema = without_flag
            else:
                schema = without_flag
                self._warn(
                    (*where, exclusive),
                    f"{exclusive} is {type_name(flag)}, not true, false or a "
                    "number, so it was dropped",
                    f"set `{exclusive}` to the bound itself",
                )
        return schema

    def _ref_siblings(self, schema: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        """Drop the keys next to `$ref` that would start to constrain values.

        OpenAPI 3.0 ignores every key next to `$ref`, and 3.1 applies them all.
        Annotations and `x-` extensions are kept, because they constrain no
        value. Other keywords are dropped, so that the upgraded schema accepts
        the same values as before. `nullable` is left for `_nullable`, which
        reads it as the author meant it.
        """
        documentation: list[str] = []
        applied: list[str] = []
        dropped: list[str] = []
        for key in schema:
            if key in ("$ref", "nullable") or str(key).startswith("x-"):
                continue
            if key in _DOCUMENTATION:
                documentation.append(key)
            elif key in _ANNOTATIONS:
                applied.append(key)
            else:
                dropped.append(str(key))

        if documentation:
            self._documented_refs.append((where, documentation))
        if applied:
            self._warn(
                (*where, "$ref"),
                f"kept {_keys_text(applied)} next to $ref, which OpenAPI 3.0 "
                "ignores and 3.1 applies",
                "remove "
                + ("it if it" if len(applied) == 1 else "each one that")
                + " should not apply to this value",
            )
        if dropped:
            schema = {key: item for key, item in schema.items() if key not in dropped}
            self._warn(
                (*where, "$ref"),
                f"dropped {_keys_text(dropped)} next to $ref, which OpenAPI 3.0 "
                "ignores, so that the schema accepts the same values",
                "to apply "
                + ("it" if len(dropped) == 1 else "them")
                + ", put the $ref and a schema with "
                + ("it" if len(dropped) == 1 else "them")
                + " under `allOf`",
            )
        return schema

    def _warn_documented_refs(self) -> None:
        # One warning for the whole document: Kubernetes alone has hundreds
        # of `description`s next to a `$ref`.
        found = self._documented_refs
        if not found:
            return
        keys = sorted({key for _, names in found for key in names})
        count = f"{len(found)} schemas have" if len(found) > 1 else "1 schema has"
        self._warn(
            (*found[0][0], "$ref"),
            f"{count} {_keys_text(keys)} next to $ref, which OpenAPI 3.0 ignores, "
            "and they were kept: in 3.1 they document the schema",
            "remove them where they should not describe the referenced schema",
        )

    def _nullable(self, schema: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        """Replace `nullable` with a `type` that lists "null", or an `anyOf`."""
        flag = schema["nullable"]
        schema = {key: item for key, item in schema.items() if key != "nullable"}
        if flag is False:
            return schema
        if flag is not True:
            self._warn(
                (*where, "nullable"),
                f"nullable is {type_name(flag)}, not true or false, so it was dropped",
                'add "null" to `type` if the value may be null',
            )
            return schema

        if any(key in schema for key in _WRAP_WHEN_NULLABLE):
            return self._wrap_nullable(schema)

        kind = schema.get("type")
        if isinstance(kind, str) and kind != "null":
            schema["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            schema["type"] = [*kind, "null"]
        # Without `type`, a 3.1 schema accepts null already, unless its
        # `enum` leaves it out.
        enum = schema.get("enum")
        if isinstance(enum, list) and None not in enum:
            schema["enum"] = [*enum, None]
        return schema

    def _wrap_nullable(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Return `anyOf: [<schema>, {type: "null"}]`, annotations outside.

        The `anyOf` takes the place of the first keyword moved into it. When
        that keyword is an `anyOf` on its own, the null branch is added to
        it, which accepts the same values with one level less.
        """
        wrapped: dict[str, Any] = {}
        inner: dict[str, Any] = {}
        for key, item in schema.items():
            if key in _ANNOTATIONS or str(key).startswith("x-"):
                wrapped[key] = item
            else:
                if not inner:
                    wrapped["anyOf"] = None  # keeps the position
                inner[key] = item

        null = {"type": "null"}
        branches = inner.get("anyOf")
        if list(inner) == ["anyOf"] and isinstance(branches, list):
            wrapped["anyOf"] = branches if null in branches else [*branches, null]
        else:
            wrapped["anyOf"] = [inner, null]
        return wrapped

    def _body_schema(self, schema: Any, media_type: str) -> Any:
        """Describe a binary body with `contentMediaType` or `contentEncoding`.

        OpenAPI 3.1 gives `format` no effect on how a body is encoded. A raw
        binary body gets `contentMediaType` in place of `type: string,
        format: binary`, since its bytes are not a JSON string. A base64 body
        keeps `type: string` and gets `contentEncoding: base64` in place of
        `format`. JSON and form bodies are left alone: in a multipart body,
        a `format: binary` property is still a valid way to describe a file.
        """
        if not isinstance(schema, dict) or "$ref" in schema:
            return schema
        if _media_type_kind(media_type) != "other":
            return schema
        if schema.get("type", "string") != "string":
            return schema
        encoding = schema.get("format")

        if encoding in _RAW_BINARY_FORMATS and "contentMediaType" not in schema:
            content_type = media_type if "*" not in media_type else None
            result = {key: item for key, item in schema.items() if key != "type"}
            return _replace_key(
                result,
                "format",
                "contentMediaType",
                content_type or "application/octet-stream",
            )
        if encoding in _BASE64_FORMATS and "contentEncoding" not in schema:
            return _replace_key(schema, "format", "contentEncoding", "base64")
        return schema
