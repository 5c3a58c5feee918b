"""Context for the python-fastapi templates: Python names, models and test requests.

nanogen calls `context(ns, document, context)` once per nanoservice, after it
has built its own context, and adds the returned variables. Everything here
is read from the OpenAPI document and nanogen's context, so the templates
render any single-operation document, not only those of capability lists.
"""

from __future__ import annotations

import base64
import copy
import json
import keyword
import re
from typing import Any
from urllib.parse import quote, urlencode

from nanogen.filters import class_name, identifier
from nanogen.models import Models, generate_models
from nanogen.render import MISSING, DocumentSchemas, documented_response

# The OpenAPI specification ignores header parameters of these names.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
IDEMPOTENCY_HEADER = "idempotency-key"
# Names that the endpoint and handler signatures already use.
RESERVED_NAMES = frozenset(
    {
        "body",
        "request",
        "handler",
        "app",
        "models",
        "logger",
        "media_type",
        # The handler stub calls `example_response()`.
        "example_response",
    }
)
# The secret that the generated tests configure and send.
TEST_SECRET = "test-secret-not-for-production"
WRONG_SECRET = "wrong-secret"
# A property name for the unknown-property test, made unlikely to be real.
UNKNOWN_PROPERTY = "unexpected_property"
# A value of the wrong type for integer, number and boolean fields.
NOT_A_NUMBER = "not-a-number"
PROBLEM_MEDIA_TYPE = "application/problem+json"
# A media type that no document declares, for the 415 test.
UNSUPPORTED_MEDIA_TYPE = "application/vnd.nanogen.unsupported"
MULTIPART_BOUNDARY = "nanogen-example-boundary"
# Statuses the app itself sends: invalid input (400 or 422), missing
# credentials, unknown path or method, unsupported media type, and a failed
# handler.
APP_ERROR_STATUSES = (400, 401, 404, 405, 415, 422, 500)
# Paths the app serves besides the operation, unless the operation has one.
BUILTIN_PATHS = (
    "/healthz",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
)

# Request media types that schemathesis 4 serializes itself: these, any
# `text/*`, and any `+json`, `+xml` or `+yaml` type. The generated tests
# register a serializer for the others, which would otherwise be skipped
# with a warning.
SCHEMATHESIS_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "application/x-yaml",
        "application/xml",
        "application/yaml",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
        "multipart/form-data",
        "multipart/mixed",
    }
)

# Schemathesis examples per test phase. Generating data for documents with
# hundreds of schemas (Stripe's cycle of 71) costs seconds per example, so
# such documents get fewer.
MAX_EXAMPLES = 25
LARGE_DOCUMENT_SCHEMAS = 200
LARGE_DOCUMENT_MAX_EXAMPLES = 5


def context(ns: Any, document: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Return the `py` variable: everything Python-specific the templates need."""
    tools: DocumentSchemas = base["document_schemas"]
    schemas = base["schemas"]
    parameters = _parameters(base["parameters"], base["operation_id"], schemas)
    models = generate_models(schemas, {p["type_name"]: p["schema"] for p in parameters})
    for parameter in parameters:
        parameter["type"] = models.names[parameter.pop("type_name")]

    body = _body(base["request_body"], models)
    response = base["response"]
    response_type = None
    if response is not None and response["is_json"]:
        name = models.names.get(response["schema_name"] or "")
        response_type = f"models.{name}" if name else "Any"

    idempotency = next(
        (
            p
            for p in parameters
            if p["in"] == "header" and p["name"].lower() == IDEMPOTENCY_HEADER
        ),
        None,
    )
    # The app replays JSON responses to JSON bodies only. Otherwise the
    # handler gets the key like any other header.
    if body is None or body["kind"] != "json" or response_type is None:
        idempotency = None
    security = _security(base["security"])
    package = base["package"]
    route_path = _route_path(base["route_path"], parameters)
    schema_count = len((document.get("components") or {}).get("schemas") or {})
    validation_status = _validation_status(base["responses"])
    valid_request = _valid_request(base, parameters, tools)
    body_types = [media["model"] or "" for media in (body or {}).get("media_types", [])]
    return {
        "py": {
            "main_uses_models": bool(parameters)
            or any(name.startswith("models.") for name in body_types),
            "models": models.code,
            "model_names": models.names,
            "parameters": parameters,
            "handler_parameters": [p for p in parameters if p is not idempotency],
            "route_path": route_path,
            "builtin_paths": [
                path for path in BUILTIN_PATHS if path != route_path.rstrip("/")
            ],
            "body": body,
            "response_type": response_type,
            "idempotency": idempotency,
            "security": security,
            "env_var": f"{package.upper()}_API_KEY",
            "test_secret": TEST_SECRET,
            "test_auth": _test_credentials(security, TEST_SECRET),
            "wrong_auth": _test_credentials(security, WRONG_SECRET),
            "validation_status": validation_status,
            "error_bodies": _error_bodies(base["responses"], tools),
            "valid_request": valid_request,
            "invalid_requests": _invalid_requests(
                base, parameters, valid_request, validation_status, tools
            ),
            "media_type_requests": _media_type_requests(base, valid_request, tools),
            "other_body": _other_body(base, tools) if idempotency else None,
            "unserialized_media_types": _unserialized_media_types(body),
            "large_document": schema_count > LARGE_DOCUMENT_SCHEMAS,
            "max_examples": (
                LARGE_DOCUMENT_MAX_EXAMPLES
                if schema_count > LARGE_DOCUMENT_SCHEMAS
                else MAX_EXAMPLES
            ),
        }
    }


# -- names ---------------------------------------------------------------------


def _parameters(
    parameters: list[dict[str, Any]], operation_id: str, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    """Give each parameter a unique Python name and a unique type alias name.

    Names that differ only in case or punctuation (`page_size` and
    `pageSize`) would get the same type name, so the later one gets a number.
    """
    result = []
    taken = set(RESERVED_NAMES)
    # Type names share one namespace with the document's schema names.
    taken_types = set(schemas)
    for parameter in parameters:
        if parameter["in"] == "header" and parameter["name"].lower() in IGNORED_HEADERS:
            continue
        if parameter["in"] not in ("path", "query", "header", "cookie"):
            continue
        base = identifier(parameter["name"])
        python_name, counter = base, 1
        while python_name in taken or keyword.iskeyword(python_name):
            counter += 1
            python_name = f"{base}_{counter}"
        taken.add(python_name)
        type_base = class_name(f"{operation_id} {parameter['in']} {parameter['name']}")
        type_name, counter = type_base, 1
        while type_name in taken_types:
            counter += 1
            type_name = f"{type_base}{counter}"
        taken_types.add(type_name)
        schema = parameter["schema"]
        has_default = (
            isinstance(schema, dict)
            and "default" in schema
            and not parameter["required"]
        )
        result.append(
            {
                "name": parameter["name"],
                "in": parameter["in"],
                "python_name": python_name,
                "required": parameter["required"],
                "style": parameter["style"],
                "explode": parameter["explode"],
                "content_type": parameter["content_type"],
                "schema": schema,
                "has_default": has_default,
                "default": schema.get("default") if has_default else None,
                "description": parameter["description"],
                "example": parameter["example"],
                "has_example": parameter["has_example"],
                "type_name": type_name,
            }
        )
    return result


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _route_path(path: str, parameters: list[dict[str, Any]]) -> str:
    """Rename path placeholders to Python names, which Starlette requires.

    A placeholder that no parameter declares still matches one segment, under
    a generated name that the handler does not receive.
    """
    python_names = {
        p["name"]: p["python_name"] for p in parameters if p["in"] == "path"
    }
    undeclared = iter(range(1, 1000))

    def rename(match: re.Match[str]) -> str:
        name = python_names.get(match.group(1))
        return "{" + (name or f"undeclared_{next(undeclared)}") + "}"

    route = _PLACEHOLDER.sub(rename, path)
    return route if route.startswith("/") else "/" + route


def _body(request_body: dict[str, Any] | None, models: Models) -> dict[str, Any] | None:
    """Describe the request body: the model of each media type and the handler's type."""
    if request_body is None:
        return None
    media_types = []
    annotations = []
    for media in request_body["media_types"]:
        model = models.names.get(media["schema_name"] or "")
        model_type = f"models.{model}" if model else "Any"
        if model in models.open_classes:
            # The schema has no `type`, so a value that is not an object is
            # valid too, and reaches the handler as it is.
            model_type += " | models.NotAnObject"
        if media["kind"] in ("json", "form", "multipart"):
            annotations.append(model_type)
        elif media["kind"] == "any":
            annotations += [model_type, "bytes"]
        elif media["kind"] == "text":
            annotations.append("str")
        else:
            annotations.append("bytes")
        media_types.append(
            {
                "media_type": media["media_type"],
                "kind": media["kind"],
                "schema": media["schema"],
                "model": model_type if media["kind"] in _MODEL_KINDS else None,
                "text_schema": media["kind"] == "text"
                and _is_string_schema(media["schema"]),
            }
        )
    unique = list(dict.fromkeys(annotations))
    annotation = "Any" if "Any" in unique else " | ".join(unique)
    return {
        "required": request_body["required"],
        "kind": request_body["kind"],
        "media_type": request_body["media_type"],
        "media_types": media_types,
        "multiple": len(media_types) > 1,
        "annotation": annotation,
        "wildcard": any(media["kind"] == "any" for media in media_types),
    }


_MODEL_KINDS = frozenset({"json", "form", "multipart", "any"})


def _unserialized_media_types(body: dict[str, Any] | None) -> list[str]:
    """List the request media types that schemathesis has no serializer for."""
    found = []
    for media in body["media_types"] if body is not None else []:
        essence = media["media_type"].split(";")[0].strip().lower()
        main, _, sub = essence.partition("/")
        if (
            essence in SCHEMATHESIS_MEDIA_TYPES
            or main == "text"
            or "*" in essence
            or sub.endswith(("+json", "+xml", "+yaml"))
        ):
            continue
        found.append(media["media_type"])
    return found


def _is_string_schema(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


# -- security --------------------------------------------------------------------


def _security(alternatives: list[list[dict[str, Any]]]) -> list[list[dict[str, str]]]:
    """Keep what the runtime needs of each scheme: kind, where the secret travels."""
    result = []
    for alternative in alternatives:
        schemes = []
        for scheme in alternative:
            if scheme["type"] == "apiKey" and scheme["in"] in (
                "header",
                "query",
                "cookie",
            ):
                kind, location, name = "api_key", scheme["in"], scheme["parameter"]
            elif scheme["type"] == "http" and scheme["scheme"] == "basic":
                kind, location, name = "basic", "header", "Authorization"
            elif scheme["type"] in ("http", "oauth2", "openIdConnect"):
                # OAuth 2 and OpenID Connect access tokens travel as bearer
                # tokens (RFC 6750), and so do other HTTP schemes here.
                kind, location, name = "bearer", "header", "Authorization"
            else:
                kind, location, name = "unsupported", "header", ""
            schemes.append(
                {"scheme": scheme["name"], "kind": kind, "in": location, "name": name}
            )
        result.append(schemes)
    return result


def _test_credentials(
    security: list[list[dict[str, str]]], secret: str
) -> dict[str, dict[str, str]]:
    """Return the headers, query parameters and cookies that carry `secret`.

    They satisfy the first alternative when `secret` is the configured one.
    """
    credentials: dict[str, dict[str, str]] = {
        "headers": {},
        "params": {},
        "cookies": {},
    }
    if not security:
        return credentials
    where = {"header": "headers", "query": "params", "cookie": "cookies"}
    for scheme in security[0]:
        if scheme["kind"] == "api_key":
            credentials[where[scheme["in"]]][scheme["name"]] = secret
        elif scheme["kind"] == "bearer":
            credentials["headers"]["Authorization"] = f"Bearer {secret}"
        elif scheme["kind"] == "basic":
            token = base64.b64encode(f"user:{secret}".encode()).decode()
            credentials["headers"]["Authorization"] = f"Basic {token}"
    return credentials


# -- error responses -------------------------------------------------------------


def _validation_status(responses: dict[str, Any]) -> int:
    """Return the status of invalid input: 422, or 400 when the document lists 400 and not 422."""
    if "422" not in responses and "400" in responses:
        return 400
    return 422


def _sample_problems(status: int) -> list[dict[str, Any]]:
    """Problem details bodies like those the app sends for a status."""
    base = {"type": "about:blank", "title": "Error", "status": status}
    return [
        {**base, "detail": "The request is invalid."},
        {
            **base,
            "detail": "The request is invalid.",
            "errors": [
                {"detail": "invalid value", "pointer": "/name"},
                {"detail": "invalid value", "parameter": "name"},
            ],
        },
    ]


def _error_bodies(
    responses: dict[str, Any], tools: DocumentSchemas
) -> dict[int, dict[str, Any]]:
    """Decide the body of each error status so that it matches the document.

    Problem details (RFC 9457) where the documented schema admits them or
    no JSON schema is documented. Otherwise a fixed valid body, with the
    message and status written into fields such as `message` and `code`
    where the schema allows it.
    """
    statuses = set(APP_ERROR_STATUSES)
    statuses |= {int(key) for key in responses if key.isdigit() and int(key) >= 400}
    result: dict[int, dict[str, Any]] = {}
    for status in sorted(statuses):
        media = _json_media(documented_response(responses, status))
        if media is None:
            # Undocumented, or not JSON: problem details, the default.
            continue
        schema = media["schema"]
        if all(tools.is_valid(sample, schema) for sample in _sample_problems(status)):
            if media["media_type"] != PROBLEM_MEDIA_TYPE:
                result[status] = {"media_type": media["media_type"], "body": None}
            continue
        body = tools.first_valid(media["examples"], schema)
        if body is MISSING:
            # No valid body can be derived, so problem details explain the error.
            continue
        result[status] = {
            "media_type": media["media_type"],
            "body": body,
            **_message_fields(body, schema, status, tools),
        }
    return result


def _json_media(documented: dict[str, Any] | None) -> dict[str, Any] | None:
    if documented is None:
        return None
    for media in documented["media_types"]:
        if media["kind"] == "json" and media["schema"]:
            return dict(media)
    return None


_DETAIL_FIELDS = ("detail", "message", "error_description", "description", "error")
# A message as long as the longest the app writes, to check a field's length.
_LONG_DETAIL = "The media type is not supported; send one of the declared types. " * 3
_STATUS_FIELDS = ("status", "code", "status_code", "statusCode")


def _message_fields(
    body: Any, schema: Any, status: int, tools: DocumentSchemas
) -> dict[str, str | None]:
    """Find fields of a fixed error body that can carry the message and the status."""
    found: dict[str, str | None] = {"detail_field": None, "status_field": None}
    if not isinstance(body, dict):
        return found
    for key, names, value in (
        ("detail_field", _DETAIL_FIELDS, _LONG_DETAIL),
        ("status_field", _STATUS_FIELDS, status),
    ):
        for name in names:
            if name in body and tools.is_valid({**body, name: value}, schema):
                found[key] = name
                break
    return found


# -- the valid request -------------------------------------------------------------


def _wire_text(value: Any) -> str:
    """Serialize one primitive value as OpenAPI parameters and forms write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _joined(value: Any, explode: bool, separator: str = ",") -> str:
    """Serialize a value in simple or non-exploded form style: `a,b` or `k,v,k,v`."""
    if isinstance(value, list):
        return separator.join(_wire_text(item) for item in value)
    if isinstance(value, dict):
        if explode:
            return separator.join(f"{k}={_wire_text(v)}" for k, v in value.items())
        return separator.join(
            f"{k}{separator}{_wire_text(v)}" for k, v in value.items()
        )
    return _wire_text(value)


def _query_pairs(parameter: dict[str, Any], value: Any) -> list[list[str]]:
    """Serialize a query parameter in its style (OpenAPI 3, "Style Examples")."""
    name, style, explode = parameter["name"], parameter["style"], parameter["explode"]
    if parameter["content_type"]:
        return [[name, json.dumps(value, separators=(",", ":"))]]
    if isinstance(value, dict):
        if style == "deepObject":
            return [[f"{name}[{key}]", _wire_text(item)] for key, item in value.items()]
        if explode:
            return [[key, _wire_text(item)] for key, item in value.items()]
        return [[name, _joined(value, False)]]
    if isinstance(value, list):
        separators = {"spaceDelimited": " ", "pipeDelimited": "|"}
        if style in separators:
            return [[name, separators[style].join(_wire_text(i) for i in value)]]
        if explode:
            return [[name, _wire_text(item)] for item in value]
        return [[name, _joined(value, False)]]
    return [[name, _wire_text(value)]]


def _simple_text(parameter: dict[str, Any], value: Any) -> str:
    """Serialize a path, header or cookie value in simple style."""
    if parameter["content_type"]:
        return json.dumps(value, separators=(",", ":"))
    return _joined(value, parameter["explode"])


def _url(path: str, parameters: list[dict[str, Any]], **texts: str) -> str:
    """Fill in the path template with the example values, or with `texts` by Python name."""
    for parameter in parameters:
        if parameter["in"] != "path":
            continue
        if parameter["python_name"] in texts:
            text = texts[parameter["python_name"]]
        elif parameter["has_example"]:
            text = _simple_text(parameter, parameter["example"])
        else:
            continue
        path = path.replace("{" + parameter["name"] + "}", quote(text, safe=""))
    return path


def _valid_request(
    base: dict[str, Any], parameters: list[dict[str, Any]], tools: DocumentSchemas
) -> dict[str, Any]:
    """Build the request of the success test from the document's examples."""
    query: list[list[str]] = []
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}

    for parameter in parameters:
        if not parameter["has_example"]:
            continue
        value = parameter["example"]
        if parameter["in"] == "path":
            continue
        elif parameter["in"] == "query":
            query.extend(_query_pairs(parameter, value))
        elif parameter["in"] == "header":
            headers[parameter["name"]] = _simple_text(parameter, value)
        else:
            cookies[parameter["name"]] = _simple_text(parameter, value)

    request: dict[str, Any] = {
        "method": base["method"].upper(),
        "url": _url(base["route_path"], parameters),
        "params": query,
        "headers": headers,
        "cookies": cookies,
        "has_json": False,
        "json": None,
        "content": None,
        "content_type": None,
    }
    body = base["request_body"]
    if body is not None and (body["has_example"] or body["required"]):
        request.update(_encoded_body(body, base["example_request"]["body"], tools))
    return request


def _media_type_requests(
    base: dict[str, Any], valid: dict[str, Any], tools: DocumentSchemas
) -> list[dict[str, Any]]:
    """Build a valid request in each media type of the body besides the preferred one."""
    body = base["request_body"]
    requests = []
    for media in body["media_types"] if body is not None else []:
        if media["media_type"] == body["media_type"] or not media["has_example"]:
            continue
        encoded = _encoded_body(
            {**body, "kind": media["kind"], "media_type": media["media_type"]},
            media["example"],
            tools,
        )
        requests.append(
            {
                "id": media["media_type"],
                **valid,
                "has_json": False,
                "json": None,
                **encoded,
            }
        )
    return requests


def _encoded_body(
    body: dict[str, Any], value: Any, tools: DocumentSchemas
) -> dict[str, Any]:
    """Encode a body value in the media type that `body["media_type"]` names."""
    kind, media_type = body["kind"], body["media_type"]
    if kind in ("json", "any"):
        content_type = media_type if kind == "json" else "application/json"
        return {"has_json": True, "json": value, "content_type": content_type}
    if kind == "form":
        encoding = _media_of(body)["encoding"]
        content = urlencode(_form_pairs(value, encoding), quote_via=quote)
        return {"content": content, "content_type": media_type}
    if kind == "multipart":
        schema = _resolve(_media_of(body)["schema"], tools.schemas)
        content = _multipart(value, schema, tools)
        content_type = f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"
        return {"content": content, "content_type": content_type}
    text = value if isinstance(value, str) else "example"
    return {"content": text, "content_type": _concrete(media_type)}


def _concrete(media_type: str) -> str:
    """Turn a media type range (`image/*`, `*/*`) into a type that it matches."""
    main, _, sub = media_type.split(";")[0].strip().partition("/")
    if main == "*":
        return "application/octet-stream"
    if sub == "*":
        return f"{main}/octet-stream"
    return media_type


def _media_of(body: dict[str, Any]) -> dict[str, Any]:
    return next(
        media
        for media in body["media_types"]
        if media["media_type"] == body["media_type"]
    )


def _form_pairs(value: Any, encoding: dict[str, Any]) -> list[tuple[str, str]]:
    """Encode an object as form fields.

    Arrays are repeated fields, unless the property's `encoding` sets
    `explode: false`. Nested objects and arrays inside them use brackets
    (`metadata[key]`, `items[0][price]`), as `style: deepObject` writes them.
    """
    pairs: list[tuple[str, str]] = []
    if not isinstance(value, dict):
        return pairs
    for name, item in value.items():
        rule = encoding.get(name)
        rule = rule if isinstance(rule, dict) else {}
        if isinstance(item, list) and rule.get("style") != "deepObject":
            if rule.get("explode", True):
                pairs.extend((name, _wire_text(element)) for element in item)
            else:
                pairs.append((name, ",".join(_wire_text(e) for e in item)))
        else:
            pairs.extend(_bracket_pairs(name, item))
    return pairs


def _bracket_pairs(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [
            pair
            for key, item in value.items()
            for pair in _bracket_pairs(f"{prefix}[{key}]", item)
        ]
    if isinstance(value, list):
        return [
            pair
            for index, item in enumerate(value)
            for pair in _bracket_pairs(f"{prefix}[{index}]", item)
        ]
    return [(prefix, _wire_text(value))]


def _multipart(value: Any, schema: Any, tools: DocumentSchemas) -> str:
    """Encode an object as multipart/form-data (RFC 7578) with a fixed boundary.

    Strings whose schema is binary are sent as files; objects as JSON parts.
    """
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    lines: list[str] = []
    for name, item in (value or {}).items():
        items = item if isinstance(item, list) else [item]
        prop = _resolve(properties.get(name, {}), tools.schemas)
        prop = prop if isinstance(prop, dict) else {}
        item_schema = _resolve(prop.get("items"), tools.schemas)
        binary = _is_binary(prop) or _is_binary(item_schema)
        for element in items:
            disposition = f'form-data; name="{_quoted(name)}"'
            content_type = "text/plain; charset=utf-8"
            if binary:
                disposition += '; filename="example.bin"'
                content_type = "application/octet-stream"
            elif isinstance(element, dict | list):
                content_type = "application/json"
            lines += [
                f"--{MULTIPART_BOUNDARY}",
                f"Content-Disposition: {disposition}",
                f"Content-Type: {content_type}",
                "",
                _wire_text(element),
            ]
    lines += [f"--{MULTIPART_BOUNDARY}--", ""]
    return "\r\n".join(lines)


def _is_binary(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("format") == "binary" or "contentMediaType" in schema
    )


def _quoted(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')


# -- invalid requests ---------------------------------------------------------------


def _invalid_requests(
    base: dict[str, Any],
    parameters: list[dict[str, Any]],
    valid: dict[str, Any],
    validation_status: int,
    tools: DocumentSchemas,
) -> list[dict[str, Any]]:
    """Derive requests that the document rejects, each with the status it must get.

    Only parts that the operation has are made invalid, and each invalid
    value is checked with jsonschema against the document's schema first,
    so a case that happens to be valid is dropped.
    """
    cases: list[dict[str, Any]] = []
    body = base["request_body"]
    example = base["example_request"]["body"]
    if body is not None:
        media = _media_of(body)
        if body["kind"] in ("json", "form", "multipart") and isinstance(example, dict):
            cases_of_body = _invalid_bodies(
                example, media["schema"], tools, text_only=body["kind"] != "json"
            )
            for case_id, invalid in cases_of_body:
                if body["kind"] == "json":
                    request = {**valid, "json": invalid}
                else:
                    request = {**valid, **_encoded_body(body, invalid, tools)}
                if not request.get("content") and not request["has_json"]:
                    # An empty form is no body at all, which an optional
                    # request body allows.
                    continue
                cases.append({"id": case_id, **request})
        if body["kind"] == "json":
            cases.append(
                {
                    "id": "malformed JSON body",
                    **valid,
                    "has_json": False,
                    "json": None,
                    "content": '{"unterminated',
                    "content_type": body["media_type"],
                }
            )
        if body["required"]:
            cases.append(
                {
                    "id": "missing request body",
                    **valid,
                    "has_json": False,
                    "json": None,
                    "content": None,
                    "content_type": None,
                }
            )
    cases.extend(_invalid_parameters(valid, base["route_path"], parameters, tools))
    for case in cases:
        case["status"] = validation_status

    if body is not None and not any(m["kind"] == "any" for m in body["media_types"]):
        cases.append(
            {
                "id": "unsupported media type",
                **valid,
                "has_json": False,
                "json": None,
                "content": "example",
                "content_type": UNSUPPORTED_MEDIA_TYPE,
                "status": 415,
            }
        )
    return cases


def _invalid_bodies(
    example: dict[str, Any], schema: Any, tools: DocumentSchemas, *, text_only: bool
) -> list[tuple[str, Any]]:
    """Make the example body invalid in one way each: a missing, wrong or unknown field.

    Form and multipart fields travel as text (`text_only`), so only a text
    that no integer, number or boolean reads can be of the wrong type.
    """
    resolved = _resolve(schema, tools.schemas)
    properties = resolved.get("properties", {}) if isinstance(resolved, dict) else {}
    required = resolved.get("required", []) if isinstance(resolved, dict) else []
    candidates = []

    for name in required:
        if name in example:
            body = {key: value for key, value in example.items() if key != name}
            candidates.append((f"missing required property {name!r}", body))
            break
    for name in example:
        wrong = _wrong_type_value(_resolve(properties.get(name, {}), tools.schemas))
        if text_only and wrong != NOT_A_NUMBER:
            continue
        if wrong is not None:
            candidates.append((f"wrong type for {name!r}", {**example, name: wrong}))
            break
    if isinstance(resolved, dict) and resolved.get("additionalProperties") is False:
        unknown = UNKNOWN_PROPERTY
        while unknown in properties:
            unknown += "_"
        candidates.append((f"unknown property {unknown!r}", {**example, unknown: "x"}))

    return [
        (case_id, copy.deepcopy(body))
        for case_id, body in candidates
        if not tools.is_valid(body, schema)
    ]


def _invalid_parameters(
    valid: dict[str, Any],
    route: str,
    parameters: list[dict[str, Any]],
    tools: DocumentSchemas,
) -> list[dict[str, Any]]:
    """Leave out one required parameter, and give one a value of the wrong type."""
    cases = []
    for parameter in parameters:
        if not parameter["required"] or parameter["in"] == "path":
            continue
        request = _without_parameter(valid, parameter)
        cases.append(
            {
                "id": f"missing {parameter['in']} parameter {parameter['name']!r}",
                **request,
            }
        )
        break

    for parameter in parameters:
        schema = parameter["schema"] if isinstance(parameter["schema"], dict) else {}
        resolved = _resolve(schema, tools.schemas)
        if parameter["content_type"] or not isinstance(resolved, dict):
            continue
        enum = resolved.get("enum")
        if resolved.get("type") in ("integer", "number", "boolean"):
            value = NOT_A_NUMBER
            case_id = (
                f"wrong type for {parameter['in']} parameter {parameter['name']!r}"
            )
        elif isinstance(enum, list) and enum and all(isinstance(i, str) for i in enum):
            value = "not-" + "-".join(enum)[:40]
            case_id = (
                f"value outside the enum of {parameter['in']} parameter "
                f"{parameter['name']!r}"
            )
        else:
            continue
        if tools.is_valid(value, schema):
            continue
        request = _without_parameter(valid, parameter)
        if parameter["in"] == "path":
            request["url"] = _url(
                route, parameters, **{parameter["python_name"]: value}
            )
        elif parameter["in"] == "query":
            request["params"].append([parameter["name"], value])
        elif parameter["in"] == "header":
            request["headers"][parameter["name"]] = value
        else:
            request["cookies"][parameter["name"]] = value
        cases.append({"id": case_id, **request})
        break
    return cases


def _without_parameter(
    valid: dict[str, Any], parameter: dict[str, Any]
) -> dict[str, Any]:
    request = copy.deepcopy(valid)
    name = parameter["name"]
    if parameter["in"] == "query":
        request["params"] = [
            pair
            for pair in request["params"]
            if pair[0] != name and not pair[0].startswith(name + "[")
        ]
    elif parameter["in"] == "header":
        request["headers"].pop(name, None)
    elif parameter["in"] == "cookie":
        request["cookies"].pop(name, None)
    return request


def _resolve(schema: Any, schemas: dict[str, Any]) -> Any:
    """Follow `$ref` to a component and merge the object parts of an `allOf`."""
    for _ in range(32):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        ref = schema["$ref"].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        schema = schemas.get(ref, {})
    if isinstance(schema, dict) and "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(part, schemas)
            if isinstance(part, dict):
                merged["properties"].update(part.get("properties", {}))
                merged["required"] += part.get("required", [])
                if part.get("additionalProperties") is False:
                    merged["additionalProperties"] = False
        return merged
    return schema


def _wrong_type_value(schema: Any) -> Any:
    """Return a JSON value of a type the schema does not allow, or None if unsure."""
    if not isinstance(schema, dict) or any(
        k in schema for k in ("anyOf", "oneOf", "enum")
    ):
        return None
    kind = schema.get("type")
    if "properties" in schema and kind is None:
        kind = "object"
    return (
        {
            "string": 12345,
            "integer": NOT_A_NUMBER,
            "number": NOT_A_NUMBER,
            "boolean": NOT_A_NUMBER,
            "array": "not an array",
            "object": "not an object",
        }.get(kind)
        if isinstance(kind, str)
        else None
    )


def _other_body(base: dict[str, Any], tools: DocumentSchemas) -> Any:
    """Find a valid request body that differs from the example, or None.

    The idempotency test needs one: the same key with another body must be
    rejected. Each candidate changes one property of the example and is
    kept only if jsonschema accepts it.
    """
    body = base["request_body"]
    example = base["example_request"]["body"]
    if body is None or not body["is_json"] or not isinstance(example, dict):
        return None
    schema = body["schema"]
    resolved = _resolve(schema, tools.schemas)
    required = resolved.get("required", []) if isinstance(resolved, dict) else []
    for name, value in example.items():
        candidates: list[Any] = []
        if isinstance(value, bool):
            candidates.append(not value)
        elif isinstance(value, int | float):
            candidates += [value + 1, value - 1]
        elif isinstance(value, str):
            candidates += [value + "x", value[:-1], value.swapcase()]
        for candidate in candidates:
            other = {**example, name: candidate}
            if other != example and tools.is_valid(other, schema):
                return other
        if name not in required:
            other = {key: item for key, item in example.items() if key != name}
            if tools.is_valid(other, schema):
                return other
    return None
