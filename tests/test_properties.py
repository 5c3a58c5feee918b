"""Property-based tests of the whole pipeline over the capability format.

For generated valid capability lists full of hostile text, every emitted
document validates and every generated Python module compiles; on a small
sample the generated test suites run and pass. For mangled lists, the
command exits non-zero with a message and no traceback.
"""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate as validate_openapi

from nanogen import pipeline

# Text that has broken generators before: quotes of every kind, escapes,
# template delimiters, markup, line and paragraph separators, right-to-left
# overrides and non-ASCII letters.
HOSTILE = [
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\n",
    "\n",
    "\r\n",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "{# c #}",
    "</script>",
    "<!--",
    "*/",
    "${x}",
    "`",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u200f",
    "é",
    "日本",
    "\x00",
    "#",
    ": ",
    "- ",
    "&a *b !!python/object:os.system",
]

# Valid in Python's re, in pydantic's regex engine and in ECMA-262.
HOSTILE_PATTERNS = [
    "^[A-Z]{3}$",
    "^[a-z'\"]*$",
    "^[^\\\\]*$",
    '^(\\"|x)+$',
    "^.{0,40}$",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)), max_size=5
).map("".join)
# Printable text without the NUL and surrogates that YAML cannot carry.
yaml_text = hostile_text.map(
    lambda text: "".join(
        c for c in text if c == "\n" or (c.isprintable() and c != "\x00")
    )
)
names = st.from_regex(r"\Ax[a-z]{1,6}(-[a-z0-9]{1,4}){0,2}\Z")
field_names = st.from_regex(r"\Afld_[a-z0-9]{0,6}\Z")


@st.composite
def field_types(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["short", "enum", "pattern", "bounded"]))
    if kind == "short":
        base = draw(
            st.sampled_from(["string", "integer", "number", "boolean", "Money"])
        )
        return base + draw(st.sampled_from(["", "[]", "?", "[]?"]))
    if kind == "enum":
        values = draw(st.lists(yaml_text, min_size=1, max_size=3, unique=True))
        return {"type": "string", "enum": values, "description": draw(yaml_text)}
    if kind == "pattern":
        return {"type": "string", "pattern": draw(st.sampled_from(HOSTILE_PATTERNS))}
    return {"type": "integer", "minimum": -5, "maximum": 50}


@st.composite
def capability_lists(draw: st.DrawFn) -> dict[str, Any]:
    services: dict[str, Any] = {}
    # Capability names are unique across services because each default path
    # is /<capability name>, and two capabilities may not share one.
    all_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    service_names = draw(st.lists(names, min_size=1, max_size=2, unique=True))
    for index, service in enumerate(service_names):
        capabilities = []
        for name in all_names[index :: len(service_names)] or [f"{service}-q-q-q"]:
            fields = draw(
                st.dictionaries(field_names, field_types(), min_size=1, max_size=3)
            )
            capabilities.append(
                {
                    "name": name,
                    "summary": draw(yaml_text),
                    "description": draw(yaml_text),
                    "effect": draw(
                        st.sampled_from(["read", "create", "update", "delete"])
                    ),
                    "security": draw(st.sampled_from(["api-key", "bearer", "none"])),
                    "input": fields,
                    "output": {"note": "string", "count": "integer?"},
                    "examples": [
                        {
                            "summary": draw(yaml_text),
                            "output": {"note": draw(yaml_text)},
                        }
                    ],
                }
            )
        services[service] = {"summary": draw(yaml_text), "capabilities": capabilities}
    packages = [
        f"{service}_{capability['name']}".replace("-", "_")
        for service, body in services.items()
        for capability in body["capabilities"]
    ]
    # Service `xa` with capability `xb-xc` and service `xa-xb` with `xc` share
    # one package name, which the validator rejects by design.
    assume(len(set(packages)) == len(packages))
    return {
        "nanogen": 1,
        "project": "prop",
        "schemas": {
            "Money": {
                "type": "object",
                "description": draw(yaml_text),
                "required": ["amount", "currency"],
                "properties": {
                    "amount": {"type": "integer"},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                },
            }
        },
        "services": services,
    }


def write_list(folder: Path, data: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nanogen.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return config


def check_workspace(root: Path) -> None:
    for document in sorted((root / "specs").rglob("*.openapi.yaml")):
        validate_openapi(yaml.safe_load(document.read_text(encoding="utf-8")))
    for module in sorted((root / "services").rglob("*.py")):
        py_compile.compile(str(module), doraise=True)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=capability_lists())
def test_valid_lists_emit_valid_documents_and_code(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("prop")
    config = write_list(root, data)

    result = pipeline.generate(config=config)

    assert len(result.nanoservices) == sum(
        len(service["capabilities"]) for service in data["services"].values()
    )
    check_workspace(root)


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=capability_lists())
def test_generated_suites_pass_on_sample(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("suite")
    config = write_list(root, data)
    pipeline.generate(config=config)

    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "services"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert completed.returncode == 0, completed.stdout[-4000:]


def mangle(data: dict[str, Any], draw: st.DrawFn) -> Any:
    """Replace one value somewhere in `data` with something of the wrong kind."""
    target: Any = data
    path: list[Any] = []
    while isinstance(target, (dict, list)) and target and draw(st.booleans()):
        key = draw(
            st.sampled_from(
                sorted(target) if isinstance(target, dict) else range(len(target))
            )
        )
        path.append(key)
        target = target[key]
    replacement = draw(
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=5),
            st.lists(st.integers(), max_size=2),
            st.just({"unexpected": True}),
        )
    )
    if not path:
        return replacement
    parent: Any = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = replacement
    return data


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mangled_lists_fail_with_a_message(tmp_path_factory, data):
    valid = data.draw(capability_lists())
    mangled = mangle(valid, data.draw)
    root = tmp_path_factory.mktemp("mangled")
    config = root / "nanogen.yaml"
    config.write_text(yaml.safe_dump(mangled, allow_unicode=True, sort_keys=False))

    completed = subprocess.run(
        [sys.executable, "-m", "nanogen", "generate", "--dry-run"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "Traceback" not in completed.stderr
    assert "internal error" not in completed.stderr
    if completed.returncode != 0:
        assert completed.stderr.strip(), "failed without a message"
        assert completed.stderr.startswith("nanogen"), completed.stderr
