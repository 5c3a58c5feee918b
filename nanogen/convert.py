"""Convert a Swagger 2.0 document to OpenAPI 3.0.3.

Takes the data of a Swagger 2.0 document as `load` returns it, with every
`$ref` internal (`bundle` makes a multi-file document one first), and returns
an OpenAPI 3.0.3 document for the stages that read OpenAPI 3. It is a pure
function over dicts: nothing is read or written, and the input is not changed.

What cannot be carried over exactly becomes a warning `Problem` whose key
path points into the Swagger input. Input that cannot be converted at all
(a reference that does not resolve, a mapping where a list belongs) becomes
an error, and all errors are raised together as one `InputError`.
docs/convert.md lists every rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from nanogen.errors import (
    InputError,
    Problem,
    Severity,
    display_key_path,
    input_error,
    type_name,
)
from nanogen.spec import HTTP_METHODS

OPENAPI_VERSION = "3.0.3"
DEFAULT_MEDIA_TYPE = "application/json"
FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART_FORM = "multipart/form-data"

KeyPath = tuple[str | int, ...]

# A Swagger 2.0 path item has no `trace`.
_METHODS = tuple(method for method in HTTP_METHODS if method != "trace")

# OpenAPI 3.0 allows only these characters in the names under `components`.
_COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")

_SWAGGER_FIELDS = frozenset(
    "swagger info host basePath schemes consumes produces paths definitions "
    "parameters responses securityDefinitions security tags externalDocs".split()
)
_OPERATION_FIELDS = frozenset(
    "tags summary description externalDocs operationId consumes produces "
    "parameters responses schemes deprecated security".split()
)
_RESPONSE_FIELDS = frozenset("description schema headers examples".split())
_BODY_FIELDS = frozenset("name in description required schema".split())

# The fields that a non-body parameter, a header and an items object share
# with a JSON Schema, and so move into the OpenAPI 3.0 `schema`.
_SIMPLE_SCHEMA_FIELDS = frozenset(
    "format items default maximum exclusiveMaximum minimum exclusiveMinimum "
    "maxLength minLength pattern maxItems minItems uniqueItems enum multipleOf".split()
)
_PARAMETER_FIELDS = frozenset(
    [*_SIMPLE_SCHEMA_FIELDS, "name", "in", "description", "required"]
    + ["allowEmptyValue", "collectionFormat", "type", "example"]
)
_HEADER_FIELDS = frozenset(
    [*_SIMPLE_SCHEMA_FIELDS, "type", "description", "collectionFormat"]
)

# Schema Object fields that OpenAPI 3.0 takes as they are. `oneOf`, `anyOf`,
# `not`, `nullable`, `writeOnly` and `deprecated` are not Swagger 2.0, but
# they are valid OpenAPI 3.0 and some Swagger documents use them.
_SCHEMA_VALUE_FIELDS = frozenset(
    "title multipleOf maximum exclusiveMaximum minimum exclusiveMinimum "
    "maxLength minLength pattern maxItems minItems uniqueItems maxProperties "
    "minProperties enum description format default nullable readOnly "
    "writeOnly example externalDocs deprecated xml".split()
)
_SCHEMA_TYPES = frozenset("array boolean integer number object string".split())

# `collectionFormat` of a query parameter or an urlencoded form field, as the
# `style` and `explode` that serialize an array the same way.
_QUERY_STYLES: dict[str, dict[str, Any]] = {
    "csv": {"style": "form", "explode": False},
    "multi": {"style": "form", "explode": True},
    "ssv": {"style": "spaceDelimited", "explode": False},
    "pipes": {"style": "pipeDelimited", "explode": False},
}

# Swagger 2.0 `flow`: the OpenAPI 3.0 flow and the URL fields that it needs.
_OAUTH2_FLOWS = {
    "implicit": ("implicit", ("authorizationUrl",)),
    "password": ("password", ("tokenUrl",)),
    "application": ("clientCredentials", ("tokenUrl",)),
    "accessCode": ("authorizationCode", ("authorizationUrl", "tokenUrl")),
}


@dataclass(frozen=True)
class Converted:
    """An OpenAPI 3.0.3 document converted from Swagger 2.0, and what was lost."""

    document: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)


def convert_swagger2(document: dict[str, Any], *, file: str) -> Converted:
    """Convert a Swagger 2.0 document to OpenAPI 3.0.3.

    `file` names the input in messages. The same input always gives the same
    document, key order included. The result shares no mutable value with
    the input.

    Raises:
        InputError: `document` is not Swagger 2.0, or parts of it cannot be
            converted (each such part is one problem).
    """
    _check_version(document, file)
    converter = _Converter(document, file)
    try:
        result = converter.convert()
    except RecursionError:
        raise input_error(
            "the document is nested too deep to convert",
            "check the document for data nested hundreds of levels deep",
            file=file,
        ) from None
    if converter.errors:
        raise InputError(converter.errors)
    warnings = sorted(converter.warnings, key=Problem.sort_key)
    return Converted(result, warnings)


def _check_version(document: Any, file: str) -> None:
    if not isinstance(document, dict):
        raise input_error(
            "the document is not a mapping",
            'give a Swagger 2.0 document with `swagger: "2.0"` at the top level',
            file=file,
        )
    version = document.get("swagger")
    if version == "2.0":
        return
    if "swagger" not in document:
        openapi = document.get("openapi")
        if openapi is not None:
            raise input_error(
                f"the document is OpenAPI {openapi}, not Swagger 2.0",
                "only Swagger 2.0 documents need converting, so read this one as it is",
                file=file,
                key_path="openapi",
            )
        raise input_error(
            "missing `swagger`, so the document is not Swagger 2.0",
            'add `swagger: "2.0"` at the top level if it is a Swagger 2.0 document',
            file=file,
            key_path="swagger",
        )
    if isinstance(version, float) and version == 2.0:
        raise input_error(
            "`swagger` is the number 2.0, not the string '2.0'",
            'quote it: `swagger: "2.0"`',
            file=file,
            key_path="swagger",
        )
    raise input_error(
        f"unsupported Swagger version {version!r}",
        'set `swagger: "2.0"` if the document follows Swagger 2.0, or upgrade it '
        "to Swagger 2.0 first",
        file=file,
        key_path="swagger",
    )


def _copy(value: Any) -> Any:
    """Copy JSON-like data, so that no dict or list is shared with the input."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _extensions(source: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _copy(value)
        for key, value in source.items()
        if isinstance(key, str) and key.startswith("x-")
    }


def _mediatype_name(media_type: str) -> str:
    """Return a media type without parameters, in lower case."""
    return media_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class _Parameter:
    """A Swagger parameter after following its `$ref`, if it had one."""

    data: dict[str, Any]
    where: KeyPath
    # The name under the top-level `parameters` when reached through `$ref`.
    ref_name: str | None = None

    @property
    def location(self) -> Any:
        return self.data.get("in")

    @property
    def identity(self) -> tuple[str, str]:
        return (str(self.data.get("name")), str(self.data.get("in")))


class _Converter:
    """One conversion: the Swagger input and the problems found on the way."""

    def __init__(self, source: dict[str, Any], file: str) -> None:
        self.source = source
        self.file = file
        self.warnings: list[Problem] = []
        self.errors: list[Problem] = []
        self._reported: set[tuple[str, str, str]] = set()

        self.definitions = self._section("definitions")
        self.parameters = self._section("parameters")
        self.responses = self._section("responses")
        self.security_definitions = self._section("securityDefinitions")
        self.schema_names = self._component_names(self.definitions, "definitions")
        self.parameter_names = self._component_names(self.parameters, "parameters")
        self.response_names = self._component_names(self.responses, "responses")
        self.scheme_names = self._component_names(
            self.security_definitions, "securityDefinitions"
        )

        self.consumes = self._media_types(source.get("consumes"), ("consumes",))
        self.produces = self._media_types(source.get("produces"), ("produces",))
        self.request_types = self.consumes or [DEFAULT_MEDIA_TYPE]
        self.response_types = self.produces or [DEFAULT_MEDIA_TYPE]

        self.host, self.base_path = self._host_and_base_path()
        self.schemes = self._global_schemes()
        self._schemes_without_host: list[KeyPath] = []

    # --- Problems -----------------------------------------------------------

    def _warn(self, where: KeyPath, message: str, hint: str = "") -> None:
        self._report(where, message, hint, "warning")

    def _error(self, where: KeyPath, message: str, hint: str = "") -> None:
        self._report(where, message, hint, "error")

    def _report(
        self, where: KeyPath, message: str, hint: str, severity: Severity
    ) -> None:
        # A shared parameter or response is converted once per operation that
        # uses it, but its problems are reported once.
        key_path = display_key_path(where)
        seen = (key_path, message, severity)
        if seen in self._reported:
            return
        self._reported.add(seen)
        problem = Problem(
            message, hint, file=self.file, key_path=key_path, severity=severity
        )
        (self.warnings if severity == "warning" else self.errors).append(problem)

    def _mapping(self, value: Any, where: KeyPath) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self._error(where, f"expected a mapping, found {type_name(value)}")
        return None

    def _list(self, value: Any, where: KeyPath) -> list[Any]:
        if isinstance(value, list):
            return value
        self._error(where, f"expected a list, found {type_name(value)}")
        return []

    # --- The document -------------------------------------------------------

    def convert(self) -> dict[str, Any]:
        source = self.source
        paths = self._paths()
        components = self._components()

        document: dict[str, Any] = {"openapi": OPENAPI_VERSION}
        if "info" in source:
            document["info"] = self._info(source["info"])
        if "externalDocs" in source:
            document["externalDocs"] = _copy(source["externalDocs"])
        servers = self._servers(self.schemes)
        if servers:
            document["servers"] = servers
        if "security" in source:
            document["security"] = self._security(source["security"], ("security",))
        if "tags" in source:
            document["tags"] = _copy(source["tags"])
        document["paths"] = paths
        if components:
            document["components"] = components

        document.update(_extensions(source))
        self._warn_unknown_fields(source, _SWAGGER_FIELDS, (), "top-level field")
        self._report_schemes_without_host()
        return document

    def _warn_unknown(self, where: KeyPath, field_kind: str) -> None:
        self._warn(
            where,
            f"{where[-1]!r} is not a Swagger 2.0 {field_kind}, so it was left out",
            "remove it, or rename it with an 'x-' prefix to keep it as an extension",
        )

    def _warn_unknown_fields(
        self,
        source: dict[str, Any],
        known: frozenset[str],
        where: KeyPath,
        field_kind: str,
    ) -> None:
        """Warn about each field of `source` that is not `known` and not an `x-` one."""
        for key in source:
            if key not in known and not str(key).startswith("x-"):
                self._warn_unknown((*where, str(key)), field_kind)

    def _section(self, name: str) -> dict[str, Any]:
        """Return a top-level mapping such as `definitions`, keyed by text."""
        value = self.source.get(name)
        if value is None:
            return {}
        section = self._mapping(value, (name,))
        return {} if section is None else {str(k): v for k, v in section.items()}

    def _component_names(self, section: dict[str, Any], name: str) -> dict[str, str]:
        """Map each name in a section to its name under `components`."""
        used_names = {key for key in section if _COMPONENT_NAME.fullmatch(key)}
        names: dict[str, str] = {}
        for key in section:
            if _COMPONENT_NAME.fullmatch(key):
                names[key] = key
                continue
            base = re.sub(r"[^A-Za-z0-9._-]", "_", key) or "_"
            candidate = base
            number = 2
            while candidate in used_names:
                candidate = f"{base}_{number}"
                number += 1
            used_names.add(candidate)
            names[key] = candidate
            self._warn(
                (name, key),
                f"{key!r} is not a valid OpenAPI 3.0 component name, so it was "
                f"renamed {candidate!r} and every reference to it follows",
                "use only letters, digits, '.', '-' and '_' in the name",
            )
        return names

    def _info(self, value: Any) -> Any:
        info = _copy(value)
        if isinstance(info, dict) and "version" in info:
            version = info["version"]
            if not isinstance(version, str) and version is not None:
                info["version"] = str(version)
                self._warn(
                    ("info", "version"),
                    f"version is {type_name(version)}, so it was written as "
                    f"the string {str(version)!r}",
                    "quote the version in the document",
                )
        return info

    def _media_types(self, value: Any, where: KeyPath) -> list[str]:
        if value is None:
            return []
        media_types: list[str] = []
        for index, item in enumerate(self._list(value, where)):
            if not isinstance(item, str):
                self._error(
                    (*where, index), f"expected a media type, found {type_name(item)}"
                )
            elif item not in media_types:
                media_types.append(item)
        return media_types

    def _operation_media_types(
        self, operation: dict[str, Any], key: str, default: list[str], where: KeyPath
    ) -> tuple[list[str], bool]:
        """Return an operation's `consumes` or `produces`, and whether it was set.

        An empty list on the operation clears the top-level one, as Swagger 2.0
        allows, which leaves the default `application/json`.
        """
        if key in operation:
            listed = self._media_types(operation[key], (*where, key))
            return listed or [DEFAULT_MEDIA_TYPE], bool(listed)
        explicit = bool(self.consumes if key == "consumes" else self.produces)
        return default, explicit

    # --- Servers ------------------------------------------------------------

    def _host_and_base_path(self) -> tuple[str | None, str]:
        host = self.source.get("host")
        if host is not None and not isinstance(host, str):
            self._error(("host",), f"expected a host name, found {type_name(host)}")
            host = None
        if host:
            written = host
            if "://" in host:
                host = host.split("://", 1)[1]
            host = host.split("/", 1)[0]
            if host != written:
                self._warn(
                    ("host",),
                    f"host {written!r} holds more than a host name and port, "
                    f"so only {host!r} was used",
                    "write the scheme under `schemes` and the path under `basePath`",
                )

        base_path = self.source.get("basePath") or ""
        if not isinstance(base_path, str):
            self._error(("basePath",), f"expected a path, found {type_name(base_path)}")
            base_path = ""
        if base_path and not base_path.startswith("/"):
            self._warn(
                ("basePath",),
                f"basePath {base_path!r} does not start with '/', so one was added",
                "start basePath with '/'",
            )
            base_path = "/" + base_path
        # Paths start with '/', and OpenAPI 3.0 appends them to the server URL.
        return host or None, base_path.rstrip("/")

    def _schemes(self, value: Any, where: KeyPath) -> list[str]:
        schemes: list[str] = []
        for index, item in enumerate(self._list(value, where)):
            if isinstance(item, str):
                if item not in schemes:
                    schemes.append(item)
            else:
                self._error(
                    (*where, index), f"expected a scheme, found {type_name(item)}"
                )
        return schemes

    def _global_schemes(self) -> list[str]:
        if "schemes" in self.source:
            schemes = self._schemes(self.source["schemes"], ("schemes",))
            if schemes and self.host is None:
                self._warn(
                    ("schemes",),
                    "schemes cannot be carried over without `host`, because the "
                    "server URL is then relative and keeps the document's scheme",
                    "set `host`, or edit `servers` in the converted document",
                )
            if schemes:
                return schemes
        if self.host is None:
            return []

        # Swagger 2.0 means the scheme the document itself was fetched with,
        # which a converter cannot know.
        scheme = self._first_operation_scheme() or "https"
        self._warn(
            ("schemes",),
            f"schemes is not set, so the server URL uses {scheme!r}",
            "set `schemes`, because without it Swagger 2.0 means the scheme that "
            "the document itself was fetched with",
        )
        return [scheme]

    def _first_operation_scheme(self) -> str | None:
        paths = self.source.get("paths")
        if not isinstance(paths, dict):
            return None
        for item in paths.values():
            if not isinstance(item, dict):
                continue
            for method in _METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    schemes = operation.get("schemes")
                    if isinstance(schemes, list) and schemes:
                        first = schemes[0]
                        if isinstance(first, str):
                            return first
        return None

    def _servers(self, schemes: list[str]) -> list[dict[str, Any]]:
        if self.host is None:
            # A relative URL. Without servers, OpenAPI 3.0 assumes `/`.
            return [{"url": self.base_path}] if self.base_path else []
        return [
            {"url": f"{scheme}://{self.host}{self.base_path}"} for scheme in schemes
        ]

    def _operation_servers(
        self, operation: dict[str, Any], where: KeyPath
    ) -> list[dict[str, Any]]:
        if "schemes" not in operation:
            return []
        schemes = self._schemes(operation["schemes"], (*where, "schemes"))
        if not schemes:
            return []
        if self.host is None:
            self._schemes_without_host.append((*where, "schemes"))
            return []
        if set(schemes) == set(self.schemes):
            return []
        return self._servers(schemes)

    def _report_schemes_without_host(self) -> None:
        # Reported once, because a generated document often sets `schemes`
        # on every operation.
        found = self._schemes_without_host
        if not found:
            return
        count = f"{len(found)} operations set" if len(found) > 1 else "1 operation sets"
        self._warn(
            found[0],
            f"{count} `schemes`, which cannot be carried over without `host`, "
            "because the server URL is then relative and keeps the document's scheme",
            "set `host`, or add `servers` to the converted document",
        )

    # --- Security -----------------------------------------------------------

    def _security(self, value: Any, where: KeyPath) -> list[Any]:
        requirements = []
        for index, requirement in enumerate(self._list(value, where)):
            mapping = self._mapping(requirement, (*where, index))
            if mapping is None:
                continue
            requirements.append(
                {
                    self.scheme_names.get(str(name), str(name)): _copy(scopes)
                    for name, scopes in mapping.items()
                }
            )
        return requirements

    def _security_scheme(self, name: str, value: Any) -> dict[str, Any] | None:
        where: KeyPath = ("securityDefinitions", name)
        source = self._mapping(value, where)
        if source is None:
            return None
        kind = source.get("type")
        scheme: dict[str, Any]
        if kind == "basic":
            scheme = {"type": "http", "scheme": "basic"}
        elif kind == "apiKey":
            scheme = {
                "type": "apiKey",
                "name": source.get("name"),
                "in": source.get("in"),
            }
        elif kind == "oauth2":
            scheme = {"type": "oauth2", "flows": self._oauth2_flows(source, where)}
        else:
            self._error(
                (*where, "type"),
                f"unknown security scheme type {kind!r}",
                "use one of 'basic', 'apiKey' or 'oauth2'",
            )
            return None
        if "description" in source:
            scheme["description"] = source["description"]
        scheme.update(_extensions(source))
        return scheme

    def _oauth2_flows(self, source: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        flow = source.get("flow")
        if not isinstance(flow, str) or flow not in _OAUTH2_FLOWS:
            self._error(
                (*where, "flow"),
                f"unknown OAuth2 flow {flow!r}",
                "use one of 'implicit', 'password', 'application' or 'accessCode'",
            )
            return {}
        name, url_fields = _OAUTH2_FLOWS[flow]
        converted: dict[str, Any] = {}
        for url_field in url_fields:
            if url_field in source:
                converted[url_field] = source[url_field]
            else:
                self._error(
                    (*where, url_field),
                    f"the {flow!r} flow needs `{url_field}`",
                    "add the URL",
                )
        converted["scopes"] = _copy(source.get("scopes") or {})
        return {name: converted}

    # --- Components ---------------------------------------------------------

    def _components(self) -> dict[str, Any]:
        schemas = {
            self.schema_names[name]: self._schema(value, ("definitions", name))
            for name, value in self.definitions.items()
        }
        responses = {
            self.response_names[name]: self._response(
                value, self.response_types, ("responses", name)
            )
            for name, value in self.responses.items()
            if self._mapping(value, ("responses", name)) is not None
        }

        parameters: dict[str, Any] = {}
        request_bodies: dict[str, Any] = {}
        for name, value in self.parameters.items():
            where: KeyPath = ("parameters", name)
            source = self._mapping(value, where)
            if source is None:
                continue
            new_name = self.parameter_names[name]
            location = source.get("in")
            if location == "body":
                request_bodies[new_name] = self._body(source, self.request_types, where)
            elif location != "formData":
                # OpenAPI 3.0 has no form parameters under `components`, so
                # each form body that refers to one gets a copy as a property.
                parameters[new_name] = self._parameter(source, where)

        security_schemes = {}
        for name, value in self.security_definitions.items():
            scheme = self._security_scheme(name, value)
            if scheme is not None:
                security_schemes[self.scheme_names[name]] = scheme

        components: dict[str, Any] = {}
        for key, section in [
            ("schemas", schemas),
            ("responses", responses),
            ("parameters", parameters),
            ("requestBodies", request_bodies),
            ("securitySchemes", security_schemes),
        ]:
            if section:
                components[key] = section
        return components

    # --- References ---------------------------------------------------------

    def _target(
        self, ref: Any, section: str, where: KeyPath
    ) -> tuple[str, list[str]] | None:
        """Find what `#/<section>/<name>...` points to.

        Returns the name and the raw pointer tokens after it, or None (after
        reporting the problem) when the reference is external, points
        elsewhere or does not resolve.
        """
        if not isinstance(ref, str):
            self._error(where, f"expected a reference, found {type_name(ref)}")
            return None
        if not ref.startswith("#"):
            self._error(
                where,
                f"external reference {ref!r} cannot be converted",
                "bundle the document into one file first",
            )
            return None
        raw = ref[2:].split("/") if ref.startswith("#/") else []
        tokens = [unquote(t).replace("~1", "/").replace("~0", "~") for t in raw]
        if len(tokens) < 2 or tokens[0] != section:
            self._error(
                where,
                f"reference {ref!r} does not point into `{section}`",
                f"refer to an entry of the top-level `{section}`",
            )
            return None

        value: Any = {
            "definitions": self.definitions,
            "parameters": self.parameters,
            "responses": self.responses,
        }[section]
        for token in tokens[1:]:
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif (
                isinstance(value, list) and token.isdigit() and int(token) < len(value)
            ):
                value = value[int(token)]
            else:
                self._error(
                    where,
                    f"reference {ref!r} not found",
                    f"define {tokens[1]!r} under `{section}`, or fix the reference",
                )
                return None
        return tokens[1], raw[2:]

    def _schema_ref(self, ref: Any, where: KeyPath) -> Any:
        target = self._target(ref, "definitions", where)
        if target is None:
            return ref
        name, rest = target
        return "/".join(["#/components/schemas", self.schema_names[name], *rest])

    def _referenced_parameter(self, entry: Any, where: KeyPath) -> _Parameter | None:
        """Return an operation or path parameter, following its `$ref`."""
        mapping = self._mapping(entry, where)
        if mapping is None:
            return None
        if "$ref" not in mapping:
            if mapping.get("in") is None:
                self._error(
                    (*where, "in"),
                    "missing `in`",
                    "set it to 'query', 'header', 'path', 'formData' or 'body'",
                )
                return None
            return _Parameter(mapping, where)
        target = self._target(mapping["$ref"], "parameters", (*where, "$ref"))
        if target is None:
            return None
        name, rest = target
        data = self.parameters[name]
        if rest or not isinstance(data, dict) or data.get("in") is None:
            self._error(
                (*where, "$ref"),
                f"reference {mapping['$ref']!r} does not point to a parameter",
                "refer to an entry of the top-level `parameters`",
            )
            return None
        return _Parameter(data, ("parameters", name), ref_name=name)

    # --- Paths and operations -----------------------------------------------

    def _paths(self) -> dict[str, Any]:
        if "paths" not in self.source:
            self._error(
                ("paths",), "missing `paths`", "add `paths`, even as an empty mapping"
            )
            return {}
        paths = self._mapping(self.source["paths"], ("paths",))
        if paths is None:
            return {}
        converted: dict[str, Any] = {}
        for path, item in paths.items():
            where: KeyPath = ("paths", str(path))
            if str(path).startswith("x-"):
                converted[path] = _copy(item)
                continue
            mapping = self._mapping(item, where)
            if mapping is not None:
                converted[path] = self._path_item(mapping, where)
        return converted

    def _path_item(self, item: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        shared = self._parameter_list(
            item.get("parameters", []), (*where, "parameters")
        )

        converted: dict[str, Any] = {}
        for key, value in item.items():
            if key in _METHODS:
                operation = self._mapping(value, (*where, key))
                if operation is not None:
                    converted[key] = self._operation(operation, shared, (*where, key))
            elif key == "parameters":
                # OpenAPI 3.0 has no body or form parameters, so each operation
                # takes those of the path into its request body.
                parameters = self._non_body_parameters(shared)
                if parameters:
                    converted["parameters"] = parameters
            elif isinstance(key, str) and key.startswith("x-"):
                converted[key] = _copy(value)
            elif key == "$ref":
                self._error(
                    (*where, "$ref"),
                    "a path item that is a reference cannot be converted",
                    "bundle the document so that the path item is written in place",
                )
            else:
                self._warn_unknown((*where, str(key)), "path item field")
        return converted

    def _parameter_list(self, value: Any, where: KeyPath) -> list[_Parameter]:
        parameters = []
        for index, entry in enumerate(self._list(value, where)):
            parameter = self._referenced_parameter(entry, (*where, index))
            if parameter is not None:
                parameters.append(parameter)
        return parameters

    def _operation(
        self, operation: dict[str, Any], shared: list[_Parameter], where: KeyPath
    ) -> dict[str, Any]:
        own = self._parameter_list(
            operation.get("parameters", []), (*where, "parameters")
        )
        consumes, consumes_set = self._operation_media_types(
            operation, "consumes", self.request_types, where
        )
        produces, _ = self._operation_media_types(
            operation, "produces", self.response_types, where
        )

        # An operation parameter overrides the path parameter with the same
        # name and location, and an operation body replaces the path's body.
        overridden = {parameter.identity for parameter in own}
        own_body = any(parameter.location == "body" for parameter in own)
        payload = [
            parameter
            for parameter in shared
            if parameter.location in ("body", "formData")
            and parameter.identity not in overridden
            and not (own_body and parameter.location == "body")
        ]
        payload += [p for p in own if p.location in ("body", "formData")]
        request_body = self._request_body(payload, consumes, consumes_set, where)

        converted: dict[str, Any] = {}
        for key in ("tags", "summary", "description", "externalDocs", "operationId"):
            if key in operation:
                converted[key] = _copy(operation[key])
        parameters = self._non_body_parameters(own)
        if parameters:
            converted["parameters"] = parameters
        if request_body is not None:
            converted["requestBody"] = request_body
        converted["responses"] = self._responses(
            operation.get("responses"), produces, (*where, "responses")
        )
        if "deprecated" in operation:
            converted["deprecated"] = operation["deprecated"]
        if "security" in operation:
            converted["security"] = self._security(
                operation["security"], (*where, "security")
            )
        servers = self._operation_servers(operation, where)
        if servers:
            converted["servers"] = servers

        converted.update(_extensions(operation))
        self._warn_unknown_fields(
            operation, _OPERATION_FIELDS, where, "operation field"
        )
        return converted

    # --- Parameters ---------------------------------------------------------

    def _non_body_parameters(
        self, parameters: list[_Parameter]
    ) -> list[dict[str, Any]]:
        """Convert the parameters that are not `body` or `formData` ones, in order."""
        return [
            self._parameter_or_ref(parameter)
            for parameter in parameters
            if parameter.location not in ("body", "formData")
        ]

    def _parameter_or_ref(self, parameter: _Parameter) -> dict[str, Any]:
        if parameter.ref_name is not None:
            name = self.parameter_names[parameter.ref_name]
            return {"$ref": f"#/components/parameters/{name}"}
        return self._parameter(parameter.data, parameter.where)

    def _parameter(self, source: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        """Convert a query, header or path parameter."""
        location = source.get("in")
        if location not in ("query", "header", "path"):
            self._error(
                (*where, "in"),
                f"unknown parameter location {location!r}",
                "use 'query', 'header', 'path', 'formData' or 'body'",
            )
        name = self._parameter_name(source, where)
        parameter: dict[str, Any] = {"name": name, "in": location}
        if "description" in source:
            parameter["description"] = source["description"]
        if location == "path" and source.get("required") is not True:
            self._warn(
                (*where, "required"),
                "a path parameter is always required, so `required: true` was set",
                "set `required: true` on the path parameter",
            )
            parameter["required"] = True
        elif "required" in source:
            parameter["required"] = source["required"]
        if "allowEmptyValue" in source:
            if location == "query":
                parameter["allowEmptyValue"] = source["allowEmptyValue"]
            else:
                self._warn(
                    (*where, "allowEmptyValue"),
                    f"allowEmptyValue applies only to query parameters, "
                    f"not to {location!r} ones, so it was left out",
                )
        if source.get("type") == "array":
            parameter.update(self._style(source, location, where))
        parameter["schema"] = self._simple_schema(source, where)
        if "example" in source:
            parameter["example"] = _copy(source["example"])
        parameter.update(_extensions(source))

        self._warn_unknown_fields(source, _PARAMETER_FIELDS, where, "parameter field")
        return parameter

    def _parameter_name(self, source: dict[str, Any], where: KeyPath) -> str:
        name = source.get("name")
        if isinstance(name, str):
            return name
        self._error(
            (*where, "name"),
            f"expected a parameter name, found {type_name(name)}",
            "set `name` to the name of the parameter",
        )
        return str(name)

    def _collection_format(self, source: dict[str, Any], where: KeyPath) -> str:
        value = source.get("collectionFormat", "csv")
        if value in ("csv", "ssv", "tsv", "pipes", "multi"):
            return str(value)
        self._warn(
            (*where, "collectionFormat"),
            f"unknown collectionFormat {value!r}, so 'csv' was used",
            "use one of 'csv', 'ssv', 'tsv', 'pipes' or 'multi'",
        )
        return "csv"

    def _style(self, source: dict[str, Any], location: Any, where: KeyPath) -> dict:
        """Return the `style` and `explode` of an array parameter."""
        collection_format = self._collection_format(source, where)
        if location == "query":
            if collection_format == "tsv":
                self._warn_tsv(where)
                collection_format = "csv"
            return dict(_QUERY_STYLES[collection_format])
        if collection_format != "csv":
            self._warn(
                (*where, "collectionFormat"),
                f"collectionFormat {collection_format!r} has no OpenAPI 3.0 "
                f"equivalent in a {location} parameter, so it was written as 'csv' "
                "(style: simple)",
                "check how clients send this parameter",
            )
        return {"style": "simple"}

    def _warn_tsv(self, where: KeyPath) -> None:
        self._warn(
            (*where, "collectionFormat"),
            "collectionFormat 'tsv' has no OpenAPI 3.0 equivalent, so it was "
            "written as 'csv' (style: form, explode: false)",
            "check how clients send this parameter",
        )

    def _simple_schema(
        self, source: dict[str, Any], where: KeyPath, *, extensions: bool = False
    ) -> dict[str, Any]:
        """Build the schema of a non-body parameter, a header or an items object.

        `extensions` copies `x-` fields into the schema, for an items object.
        A parameter or header keeps its own.
        """
        schema: dict[str, Any] = {}
        kind = source.get("type")
        if kind == "file":
            schema["type"] = "string"
            schema["format"] = "binary"
        elif kind is not None:
            schema["type"] = kind
        for key, value in source.items():
            if key not in _SIMPLE_SCHEMA_FIELDS or (kind == "file" and key == "format"):
                continue
            if key == "items":
                schema["items"] = self._items(value, (*where, "items"))
            else:
                schema[key] = _copy(value)
        if extensions:
            for key, value in _extensions(source).items():
                if key == "x-nullable" and isinstance(value, bool):
                    schema["nullable"] = value
                else:
                    schema[key] = value
        return schema

    def _items(self, value: Any, where: KeyPath) -> dict[str, Any]:
        items = self._mapping(value, where)
        if items is None:
            return {}
        if "$ref" in items:
            # Not allowed in Swagger 2.0, but common, and clear enough.
            return self._schema(items, where)
        if items.get("type") == "array" and "collectionFormat" in items:
            if items["collectionFormat"] != "csv":
                self._warn(
                    (*where, "collectionFormat"),
                    "OpenAPI 3.0 cannot set the delimiter of a nested array, so "
                    f"collectionFormat {items['collectionFormat']!r} was left out",
                    "check how clients send this parameter",
                )
        return self._simple_schema(items, where, extensions=True)

    # --- Request bodies -----------------------------------------------------

    def _request_body(
        self,
        payload: list[_Parameter],
        consumes: list[str],
        consumes_set: bool,
        where: KeyPath,
    ) -> dict[str, Any] | None:
        bodies = [p for p in payload if p.location == "body"]
        fields = [p for p in payload if p.location == "formData"]
        if len(bodies) > 1:
            self._warn(
                bodies[-1].where,
                "an operation takes one body parameter at most, so only the last "
                "one was used",
                "keep one body parameter",
            )
        if bodies and fields:
            self._warn(
                fields[0].where,
                "body and formData parameters cannot be combined, so the formData "
                "parameters were left out",
                "describe the form fields in the body schema, or drop the body",
            )
        if bodies:
            body = bodies[-1]
            if body.ref_name is not None and consumes == self.request_types:
                name = self.parameter_names[body.ref_name]
                return {"$ref": f"#/components/requestBodies/{name}"}
            # The shared body was converted with the top-level media types, so
            # an operation with other media types gets its own copy.
            return self._body(body.data, consumes, body.where)
        if fields:
            return self._form_body(fields, consumes, consumes_set, where)
        return None

    def _body(
        self, source: dict[str, Any], media_types: list[str], where: KeyPath
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if "description" in source:
            body["description"] = source["description"]
        if "schema" in source:
            schema = self._schema(source["schema"], (*where, "schema"))
        else:
            self._error(
                (*where, "schema"),
                "missing `schema` in a body parameter",
                "add the schema of the request body",
            )
            schema = {}
        body["content"] = {
            media_type: {"schema": _copy(schema)} for media_type in media_types
        }
        if "required" in source:
            body["required"] = source["required"]
        body.update(_extensions(source))
        self._warn_unknown_fields(source, _BODY_FIELDS, where, "body parameter field")
        return body

    def _form_media_types(
        self,
        fields: list[_Parameter],
        consumes: list[str],
        consumes_set: bool,
        where: KeyPath,
    ) -> list[str]:
        form_types = [
            media_type
            for media_type in consumes
            if _mediatype_name(media_type) in (FORM_URLENCODED, MULTIPART_FORM)
        ]
        has_file = any(parameter.data.get("type") == "file" for parameter in fields)
        if has_file:
            # A file can only be sent as a part of a multipart body.
            multipart = [t for t in form_types if _mediatype_name(t) == MULTIPART_FORM]
            if len(multipart) < len(form_types):
                self._warn(
                    (*where, "consumes"),
                    f"a file cannot be sent as {FORM_URLENCODED}, so the form body "
                    f"is {MULTIPART_FORM} only",
                    f"list only {MULTIPART_FORM} in consumes",
                )
            form_types = multipart
        if form_types:
            return form_types
        if consumes_set:
            self._warn(
                (*where, "consumes"),
                "consumes lists no form media type although the operation takes "
                "formData parameters",
                f"add {FORM_URLENCODED} or {MULTIPART_FORM} to consumes",
            )
        return [MULTIPART_FORM if has_file else FORM_URLENCODED]

    def _form_body(
        self,
        fields: list[_Parameter],
        consumes: list[str],
        consumes_set: bool,
        where: KeyPath,
    ) -> dict[str, Any]:
        """Write formData parameters as one object schema per form media type."""
        media_types = self._form_media_types(fields, consumes, consumes_set, where)
        urlencoded = any(_mediatype_name(t) == FORM_URLENCODED for t in media_types)
        multipart = any(_mediatype_name(t) == MULTIPART_FORM for t in media_types)

        properties: dict[str, Any] = {}
        required: list[str] = []
        encoding: dict[str, Any] = {}
        for parameter in fields:
            source = parameter.data
            name = self._parameter_name(source, parameter.where)
            properties[name] = self._form_field(source, parameter.where)
            if source.get("required") is True:
                required.append(name)
            if source.get("type") != "array":
                continue
            collection_format = self._collection_format(source, parameter.where)
            if urlencoded:
                style_format = (
                    "csv" if collection_format == "tsv" else collection_format
                )
                if collection_format == "tsv":
                    self._warn_tsv(parameter.where)
                encoding[name] = dict(_QUERY_STYLES[style_format])
            if multipart and collection_format != "multi":
                self._warn(
                    (*parameter.where, "collectionFormat"),
                    f"{MULTIPART_FORM} sends an array as one part per item, so "
                    f"collectionFormat {collection_format!r} cannot be kept",
                    "check how clients send this field",
                )

        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        content: dict[str, Any] = {}
        for media_type in media_types:
            media: dict[str, Any] = {"schema": _copy(schema)}
            # OpenAPI 3.0 reads `style` and `explode` of an encoding only in
            # an urlencoded body.
            if encoding and _mediatype_name(media_type) == FORM_URLENCODED:
                media["encoding"] = _copy(encoding)
            content[media_type] = media
        body: dict[str, Any] = {"content": content}
        if required:
            body["required"] = True
        return body

    def _form_field(self, source: dict[str, Any], where: KeyPath) -> dict[str, Any]:
        schema = self._simple_schema(source, where)
        if "description" in source:
            schema["description"] = source["description"]
        if "example" in source:
            schema["example"] = _copy(source["example"])
        for key, value in _extensions(source).items():
            if key == "x-nullable" and isinstance(value, bool):
                schema["nullable"] = value
            else:
                schema[key] = value
        if "allowEmptyValue" in source:
            self._warn(
                (*where, "allowEmptyValue"),
                "OpenAPI 3.0 has no allowEmptyValue for form fields, so it was "
                "left out",
            )
        self._warn_unknown_fields(source, _PARAMETER_FIELDS, where, "parameter field")
        return schema

    # --- Responses ----------------------------------------------------------

    def _responses(
        self, value: Any, produces: list[str], where: KeyPath
    ) -> dict[str, Any]:
        responses = self._mapping(value, where)
        if responses is None:
            return {}
        converted: dict[str, Any] = {}
        for code, response in responses.items():
            # YAML reads an unquoted status code as a number.
            status = str(code)
            if status.startswith("x-"):
                converted[status] = _copy(response)
                continue
            response_where = (*where, status)
            mapping = self._mapping(response, response_where)
            if mapping is None:
                continue
            if "$ref" in mapping:
                converted[status] = self._response_ref(
                    mapping["$ref"], produces, response_where
                )
            else:
                converted[status] = self._response(mapping, produces, response_where)
        return converted

    def _response_ref(self, ref: Any, produces: list[str], where: KeyPath) -> Any:
        target = self._target(ref, "responses", (*where, "$ref"))
        if target is None:
            return {"$ref": ref}
        name, rest = target
        source = self.responses[name]
        if rest or not isinstance(source, dict):
            self._error(
                (*where, "$ref"),
                f"reference {ref!r} does not point to a response",
                "refer to an entry of the top-level `responses`",
            )
            return {"$ref": ref}
        if "schema" not in source or produces == self.response_types:
            return {"$ref": f"#/components/responses/{self.response_names[name]}"}
        # The shared response was converted with the top-level media types,
        # so an operation with other media types gets its own copy.
        return self._response(source, produces, ("responses", name))

    def _response(
        self, source: dict[str, Any], produces: list[str], where: KeyPath
    ) -> dict[str, Any]:
        response: dict[str, Any] = {}
        if "description" in source:
            response["description"] = source["description"]
        else:
            self._warn(
                (*where, "description"),
                "missing `description`, which OpenAPI 3.0 requires, so an empty "
                "one was written",
                "describe the response",
            )
            response["description"] = ""

        if "headers" in source:
            headers = self._mapping(source["headers"], (*where, "headers"))
            if headers:
                response["headers"] = {
                    name: self._header(header, (*where, "headers", str(name)))
                    for name, header in headers.items()
                }

        examples = source.get("examples")
        if "schema" in source:
            schema = self._schema(source["schema"], (*where, "schema"))
            content = {media_type: {"schema": _copy(schema)} for media_type in produces}
            if isinstance(examples, dict):
                self._examples(examples, content, (*where, "examples"))
            response["content"] = content
        elif examples:
            self._warn(
                (*where, "examples"),
                "a response without a schema has no content in OpenAPI 3.0, so its "
                "examples were left out",
                "add the schema of the response",
            )

        response.update(_extensions(source))
        self._warn_unknown_fields(source, _RESPONSE_FIELDS, where, "response field")
        return response

    def _examples(
        self, examples: dict[str, Any], content: dict[str, Any], where: KeyPath
    ) -> None:
        for media_type, example in examples.items():
            if media_type in content:
                content[media_type]["example"] = _copy(example)
            else:
                self._warn(
                    (*where, str(media_type)),
                    f"the example is for {media_type!r}, which the operation does "
                    "not produce, so it was left out",
                    "list the media type in produces, or key the example by one "
                    "that is listed",
                )

    def _header(self, value: Any, where: KeyPath) -> dict[str, Any]:
        source = self._mapping(value, where)
        if source is None:
            return {}
        header: dict[str, Any] = {}
        if "description" in source:
            header["description"] = source["description"]
        if (
            source.get("type") == "array"
            and source.get("collectionFormat", "csv") != "csv"
        ):
            self._warn(
                (*where, "collectionFormat"),
                f"collectionFormat {source['collectionFormat']!r} has no OpenAPI 3.0 "
                "equivalent in a header, so it was written as 'csv' (style: simple)",
                "check how the server sends this header",
            )
        header["schema"] = self._simple_schema(source, where)
        header.update(_extensions(source))
        self._warn_unknown_fields(source, _HEADER_FIELDS, where, "header field")
        return header

    # --- Schemas ------------------------------------------------------------

    def _schema(self, value: Any, where: KeyPath) -> dict[str, Any]:
        """Convert a Schema Object and every schema inside it.

        Only the fields that hold schemas are walked. The values of `enum`,
        `default`, `example` and `x-` fields are data and are copied as they
        are, and the keys of `properties` are names, so a property called
        `$ref` or `not` stays a property.
        """
        source = self._mapping(value, where)
        if source is None:
            return {}
        schema: dict[str, Any] = {}
        is_file = source.get("type") == "file"
        for key, item in source.items():
            item_where = (*where, str(key))
            if key == "$ref":
                schema["$ref"] = self._schema_ref(item, item_where)
            elif key == "properties":
                properties = self._mapping(item, item_where)
                if properties is not None:
                    schema[key] = {
                        name: self._schema(subschema, (*item_where, str(name)))
                        for name, subschema in properties.items()
                    }
            elif key == "additionalProperties":
                schema[key] = (
                    item if isinstance(item, bool) else self._schema(item, item_where)
                )
            elif key in ("allOf", "anyOf", "oneOf"):
                schema[key] = [
                    self._schema(subschema, (*item_where, index))
                    for index, subschema in enumerate(self._list(item, item_where))
                ]
            elif key == "not":
                schema[key] = self._schema(item, item_where)
            elif key == "items":
                schema[key] = self._schema_items(item, item_where)
            elif key == "type":
                self._schema_type(item, schema, item_where)
            elif key == "format" and is_file:
                continue
            elif key == "required":
                self._required(item, schema, item_where)
            elif key == "discriminator":
                schema[key] = (
                    {"propertyName": item} if isinstance(item, str) else _copy(item)
                )
            elif key == "x-nullable" and isinstance(item, bool):
                schema["nullable"] = item
            elif key in _SCHEMA_VALUE_FIELDS or str(key).startswith("x-"):
                schema[key] = _copy(item)
            else:
                self._warn(
                    item_where,
                    f"{key!r} is not an OpenAPI 3.0 schema field, so it was left out",
                    "remove it, or rename it with an 'x-' prefix to keep it as an "
                    "extension",
                )
        return schema

    def _schema_items(self, value: Any, where: KeyPath) -> dict[str, Any]:
        if not isinstance(value, list):
            return self._schema(value, where)
        if len(value) == 1:
            return self._schema(value[0], (*where, 0))
        self._warn(
            where,
            "OpenAPI 3.0 has no list of item schemas, so the items may be any of "
            "them, in any position",
            "use one schema for every item",
        )
        return {
            "anyOf": [
                self._schema(subschema, (*where, index))
                for index, subschema in enumerate(value)
            ]
        }

    def _schema_type(self, value: Any, schema: dict[str, Any], where: KeyPath) -> None:
        if value == "file":
            schema["type"] = "string"
            schema["format"] = "binary"
        elif isinstance(value, str) and value in _SCHEMA_TYPES:
            schema["type"] = value
        elif (
            isinstance(value, list)
            and len(value) == 2
            and "null" in value
            and any(isinstance(kind, str) and kind in _SCHEMA_TYPES for kind in value)
        ):
            schema["type"] = next(kind for kind in value if kind != "null")
            schema["nullable"] = True
            self._warn(
                where,
                f"type {value!r} is a list, so it was written as "
                f"type {schema['type']!r} with nullable: true",
                "write one type, and x-nullable: true for null",
            )
        else:
            self._warn(
                where,
                f"type {value!r} is not an OpenAPI 3.0 type, so it was left out",
                "use one of " + ", ".join(repr(kind) for kind in sorted(_SCHEMA_TYPES)),
            )

    def _required(self, value: Any, schema: dict[str, Any], where: KeyPath) -> None:
        if not isinstance(value, list):
            self._warn(
                where,
                f"required is {type_name(value)}, not a list of property names, "
                "so it was left out",
                "list the required property names in the parent object's `required`",
            )
            return
        names: list[str] = []
        for index, name in enumerate(value):
            if not isinstance(name, str):
                self._warn(
                    (*where, index),
                    f"expected a property name, found {type_name(name)}, so it "
                    "was left out",
                )
            elif name in names:
                self._warn(
                    (*where, index),
                    f"required lists {name!r} twice, so the repeat was left out",
                )
            else:
                names.append(name)
        # An empty list means the same as none, and OpenAPI 3.0 forbids it.
        if names:
            schema["required"] = names
