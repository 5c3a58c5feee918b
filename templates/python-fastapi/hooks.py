"""Context for the python-fastapi templates: Python names, models and test requests.

nanogen calls `context(ns, document, context)` once per nanoservice, after it
has built its own context, and adds the returned variables. Everything here
is read from the OpenAPI document and nanogen's context, so the templates
render any single-operation document, not only those of capability lists.
"""

from __future__ import annotations

import copy
import keyword
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator

from nanogen.filters import class_name, identifier
from nanogen.models import generate_models

# The OpenAPI specification ignores header parameters of these names.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
IDEMPOTENCY_HEADER = "idempotency-key"
FASTAPI_MARKERS = {
    "path": "Path",
    "query": "Query",
    "header": "Header",
    "cookie": "Cookie",
}
# Names that the endpoint and handler signatures already use.
RESERVED_NAMES = frozenset({"body", "request", "handler", "app", "models", "logger"})
# The secret that the generated tests configure and send.
TEST_SECRET = "test-secret-not-for-production"
# A property name for the unknown-property test, made unlikely to be real.
UNKNOWN_PROPERTY = "unexpected_property"


def context(ns: Any, document: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Return the `py` variable: everything Python-specific the templates need."""
    schemas = base["schemas"]
    operation_id = base["operation_id"]
    parameters = _parameters(base["parameters"], operation_id)
    models = generate_models(schemas, {p["type_name"]: p["schema"] for p in parameters})
    for parameter in parameters:
        parameter["type"] = models.names[parameter.pop("type_name")]

    body = _body(base["request_body"], models.names)
    response = base["response"]
    response_type = None
    if response and response["is_json"]:
        response_type = models.names.get(response["schema_name"] or "", "Any")

    idempotency = next(
        (
            p
            for p in parameters
            if p["in"] == "header" and p["name"].lower() == IDEMPOTENCY_HEADER
        ),
        None,
    )
    # The app replays responses for JSON bodies only. Otherwise the handler
    # gets the key like any other header.
    if body is None or not body["is_json"]:
        idempotency = None
    security = _security(base["security"])
    package = base["package"]
    handler_parameters = [p for p in parameters if p is not idempotency]
    optional_body = body is not None and body["is_json"] and not body["required"]
    return {
        "py": {
            "models": models.code,
            "model_names": models.names,
            "parameters": parameters,
            "handler_parameters": handler_parameters,
            "needs_optional": optional_body
            or any(not p["required"] for p in parameters),
            "handler_needs_optional": optional_body
            or any(not p["required"] for p in handler_parameters),
            "route_path": _route_path(base["path"], parameters),
            "body": body,
            "response_type": response_type,
            "idempotency": idempotency,
            "security": security,
            "env_var": f"{package.upper()}_API_KEY",
            "test_secret": TEST_SECRET,
            "test_auth": _test_credentials(security),
            "valid_request": _valid_request(base, parameters),
            "invalid_requests": _invalid_requests(base, parameters, schemas),
            "other_body": _other_body(base, schemas),
        }
    }


def _parameters(
    parameters: list[dict[str, Any]], operation_id: str
) -> list[dict[str, Any]]:
    """Give each parameter a unique Python name and a type alias name."""
    result = []
    taken = set(RESERVED_NAMES)
    for parameter in parameters:
        if parameter["in"] == "header" and parameter["name"].lower() in IGNORED_HEADERS:
            continue
        if parameter["in"] not in FASTAPI_MARKERS:
            continue
        base = identifier(parameter["name"])
        python_name, counter = base, 1
        while python_name in taken or keyword.iskeyword(python_name):
            counter += 1
            python_name = f"{base}_{counter}"
        taken.add(python_name)
        schema = parameter["schema"]
        result.append(
            {
                "name": parameter["name"],
                "in": parameter["in"],
                "python_name": python_name,
                "marker": FASTAPI_MARKERS[parameter["in"]],
                "required": parameter["required"],
                "schema": schema,
                "has_default": isinstance(schema, dict) and "default" in schema,
                "default": schema.get("default") if isinstance(schema, dict) else None,
                "description": parameter["description"],
                "type_name": class_name(
                    f"{operation_id} {parameter['in']} {parameter['name']}"
                ),
            }
        )
    return result


def _route_path(path: str, parameters: list[dict[str, Any]]) -> str:
    """Rename path placeholders to the Python names, which Starlette requires."""
    for parameter in parameters:
        if parameter["in"] == "path":
            path = path.replace(
                "{" + parameter["name"] + "}", "{" + parameter["python_name"] + "}"
            )
    return path


def _body(
    request_body: dict[str, Any] | None, names: dict[str, str]
) -> dict[str, Any] | None:
    if request_body is None:
        return None
    # TODO: validate non-JSON request bodies (forms, multipart, text) against
    # their schemas; until then the handler receives the raw bytes.
    type_name = "Any"
    if request_body["is_json"] and request_body["schema_name"]:
        type_name = names[request_body["schema_name"]]
    return {
        "is_json": request_body["is_json"],
        "required": request_body["required"],
        "media_type": request_body["media_type"],
        "type": type_name,
    }


def _security(alternatives: list[list[dict[str, Any]]]) -> list[list[dict[str, str]]]:
    """Keep what the runtime needs of each scheme: kind, where the secret travels."""
    result = []
    for alternative in alternatives:
        schemes = []
        for scheme in alternative:
            if scheme["type"] == "apiKey":
                kind, location, name = "api_key", scheme["in"], scheme["parameter"]
            elif scheme["type"] == "http" and scheme["scheme"] == "basic":
                kind, location, name = "basic", "header", "Authorization"
            elif scheme["type"] in ("http", "oauth2", "openIdConnect"):
                # OAuth 2 and OpenID Connect access tokens travel as bearer tokens.
                kind, location, name = "bearer", "header", "Authorization"
            else:
                kind, location, name = "unsupported", "header", ""
            schemes.append(
                {"scheme": scheme["name"], "kind": kind, "in": location, "name": name}
            )
        result.append(schemes)
    return result


def _test_credentials(
    security: list[list[dict[str, str]]],
) -> dict[str, dict[str, str]]:
    """Return the headers, query parameters and cookies that satisfy the first alternative."""
    credentials: dict[str, dict[str, str]] = {
        "headers": {},
        "params": {},
        "cookies": {},
    }
    if not security:
        return credentials
    for scheme in security[0]:
        if scheme["kind"] == "api_key":
            where = {"header": "headers", "query": "params", "cookie": "cookies"}[
                scheme["in"]
            ]
            credentials[where][scheme["name"]] = TEST_SECRET
        elif scheme["kind"] == "bearer":
            credentials["headers"]["Authorization"] = f"Bearer {TEST_SECRET}"
        elif scheme["kind"] == "basic":
            import base64

            token = base64.b64encode(f"user:{TEST_SECRET}".encode()).decode()
            credentials["headers"]["Authorization"] = f"Basic {token}"
    return credentials


def _wire_value(value: Any) -> str:
    """Serialize a parameter value in OpenAPI's default simple style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_wire_value(item) for item in value)
    return str(value)


def _valid_request(
    base: dict[str, Any], parameters: list[dict[str, Any]]
) -> dict[str, Any]:
    """Build the request of the success test from the document's examples."""
    example = base["example_request"]
    path = base["path"]
    query: list[list[str]] = []
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}

    for parameter in parameters:
        values = example.get(parameter["in"], {})
        if parameter["name"] not in values:
            continue
        value = values[parameter["name"]]
        if parameter["in"] == "path":
            path = path.replace(
                "{" + parameter["name"] + "}", quote(_wire_value(value), safe="")
            )
        elif parameter["in"] == "query":
            # Arrays use the default form style with explode: one pair per item.
            items = value if isinstance(value, list) else [value]
            query.extend([parameter["name"], _wire_value(item)] for item in items)
        elif parameter["in"] == "header":
            headers[parameter["name"]] = _wire_value(value)
        else:
            cookies[parameter["name"]] = _wire_value(value)

    request: dict[str, Any] = {
        "method": base["method"].upper(),
        "url": path,
        "params": query,
        "headers": headers,
        "cookies": cookies,
    }

    body = base["request_body"]
    request["has_json"] = False
    if body is not None and body["is_json"]:
        request["json"] = example["body"]
        request["has_json"] = example["body"] is not None or body["required"]
    elif body is not None and isinstance(example["body"], str):
        request["content"] = example["body"]
        request["headers"]["Content-Type"] = body["media_type"]
    return request


def _invalid_requests(
    base: dict[str, Any], parameters: list[dict[str, Any]], schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    """Derive requests that the document rejects: each must get 422.

    Each body case is checked against the document's schema with jsonschema
    before it is kept, so a case that happens to be valid is dropped.
    """
    valid = _valid_request(base, parameters)
    responses = base["operation"].get("responses", {})
    if "422" not in responses:
        return []
    cases = []
    body = base["request_body"]
    if body is not None and body["is_json"] and isinstance(valid.get("json"), dict):
        cases.extend(_invalid_bodies(valid, body["schema"], schemas))
    if body is not None and body["is_json"]:
        malformed = {
            **valid,
            "json": None,
            "has_json": False,
            "content": '{"unterminated',
        }
        malformed["headers"] = {**valid["headers"], "Content-Type": "application/json"}
        cases.append({"id": "malformed JSON body", **malformed})
    cases.extend(_invalid_queries(valid, parameters))
    return cases


def _invalid_bodies(
    valid: dict[str, Any], schema: Any, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    validator = Draft202012Validator({**schema, "components": {"schemas": schemas}})
    resolved = _resolve(schema, schemas)
    properties = resolved.get("properties", {}) if isinstance(resolved, dict) else {}
    required = resolved.get("required", []) if isinstance(resolved, dict) else []
    example = valid["json"]
    candidates = []

    for name in required:
        if name in example:
            body = {key: value for key, value in example.items() if key != name}
            candidates.append((f"missing required property {name!r}", body))
            break
    for name in example:
        wrong = _wrong_type_value(_resolve(properties.get(name, {}), schemas))
        if wrong is not None:
            candidates.append((f"wrong type for {name!r}", {**example, name: wrong}))
            break
    if isinstance(resolved, dict) and resolved.get("additionalProperties") is False:
        unknown = UNKNOWN_PROPERTY
        while unknown in properties:
            unknown += "_"
        candidates.append((f"unknown property {unknown!r}", {**example, unknown: "x"}))

    return [
        {"id": case_id, **valid, "json": copy.deepcopy(body)}
        for case_id, body in candidates
        if not validator.is_valid(body)
    ]


def _invalid_queries(
    valid: dict[str, Any], parameters: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    cases = []
    query = valid["params"]
    for parameter in parameters:
        if parameter["in"] == "query" and parameter["required"]:
            params = [pair for pair in query if pair[0] != parameter["name"]]
            cases.append(
                {
                    "id": f"missing query parameter {parameter['name']!r}",
                    **valid,
                    "params": params,
                }
            )
            break
    for parameter in parameters:
        schema = parameter["schema"] if isinstance(parameter["schema"], dict) else {}
        enum = schema.get("enum")
        if parameter["in"] != "query":
            continue
        if schema.get("type") in ("integer", "number", "boolean"):
            case_id, value = (
                f"wrong type for query parameter {parameter['name']!r}",
                "not-a-number",
            )
        elif isinstance(enum, list) and all(isinstance(item, str) for item in enum):
            value = "not-" + "-".join(enum)
            case_id = f"value outside the enum of query parameter {parameter['name']!r}"
        else:
            continue
        params = [pair for pair in query if pair[0] != parameter["name"]]
        params.append([parameter["name"], value])
        cases.append({"id": case_id, **valid, "params": params})
        break
    return cases


def _resolve(schema: Any, schemas: dict[str, Any]) -> Any:
    """Follow `$ref` to a component and merge the object parts of an `allOf`."""
    for _ in range(32):
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            break
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
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
            "integer": "not a number",
            "number": "not a number",
            "boolean": "not a boolean",
            "array": "not an array",
            "object": "not an object",
        }.get(kind)
        if isinstance(kind, str)
        else None
    )


def _other_body(base: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """Find a valid request body that differs from the example, or None.

    The idempotency test needs one: the same key with another body must be
    rejected. Each candidate changes one property of the example and is
    kept only if jsonschema accepts it.
    """
    body = base["request_body"]
    example = base["example_request"]["body"]
    if body is None or not body["is_json"] or not isinstance(example, dict):
        return None
    validator = Draft202012Validator(
        {**body["schema"], "components": {"schemas": schemas}}
    )
    resolved = _resolve(body["schema"], schemas)
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
            if other != example and validator.is_valid(other):
                return other
        if name not in required:
            other = {key: item for key, item in example.items() if key != name}
            if validator.is_valid(other):
                return other
    return None
