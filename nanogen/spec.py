"""The nanoservice spec: the one intermediate representation of the pipeline.

`decompose` builds a list of `Nanoservice` values from a validated capability
list or from the operations of an OpenAPI document; `emit` turns each into its
OpenAPI document, and generators render from both. Nothing after `decompose`
reads the input file again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Effect = Literal["read", "create", "update", "delete"]
EFFECTS: tuple[Effect, ...] = ("read", "create", "update", "delete")
SecurityKind = Literal["api-key", "bearer", "none"]
# A generated file is rewritten on every run. A user file is created once and
# rewritten only while it is unedited since nanogen wrote it. An input file,
# such as a capability list or an OpenAPI document that one names, is read
# by the run and never written by it.
Owner = Literal["generated", "user", "input"]
SECURITY_KINDS: tuple[SecurityKind, ...] = ("api-key", "bearer", "none")
# The fields of an OpenAPI 3 Path Item that contain operations, in the order
# of the specification.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# A repeat of a read, update (PUT semantics) or delete leaves the same state as
# one call (RFC 9110, section 9.2.2); a repeat of a create makes a second one.
DEFAULT_IDEMPOTENT: dict[Effect, bool] = {
    "read": True,
    "create": False,
    "update": True,
    "delete": True,
}


def snake_case(name: str) -> str:
    """Turn a kebab-case name into a Python identifier: `send-receipt` -> `send_receipt`."""
    return name.replace("-", "_")


def camel_case(name: str) -> str:
    """Turn a kebab-case name into lower camel case: `send-receipt` -> `sendReceipt`."""
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Example:
    """A request body and the response it gets, both optional."""

    summary: str = ""
    input: Any = None
    output: Any = None


class ServiceNames:
    """The names that follow from a nanoservice's `service` and `capability`."""

    service: str
    capability: str

    @property
    def name(self) -> str:
        """The nanoservice name, `<service>-<capability>`."""
        return f"{self.service}-{self.capability}"

    @property
    def package(self) -> str:
        """The Python import name of the generated package."""
        return snake_case(self.name)


@dataclass(frozen=True)
class Nanoservice(ServiceNames):
    """One single-operation REST service, as every later stage sees it.

    Schemas use OpenAPI 3.1 (JSON Schema 2020-12) and refer to shared schemas
    as `#/components/schemas/<Name>`; `schemas` holds exactly the shared
    schemas they reach, directly or through each other.
    """

    project: str
    service: str
    capability: str
    method: str
    path: str
    summary: str = ""
    description: str = ""
    effect: Effect = "read"
    idempotent: bool = True
    security: SecurityKind = "none"
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()
    schemas: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    # Workspace-relative path of the OpenAPI document that defines this
    # nanoservice, for a capability that names one with `openapi`; empty when
    # `emit` builds the document from the fields above.
    document_file: str = ""
    # False when only the OpenAPI document is written, without service code
    # or tests, as the capability's `code: false` sets.
    code: bool = True

    @property
    def operation_id(self) -> str:
        return camel_case(self.name)

    @property
    def spec_path(self) -> str:
        """Where the OpenAPI document goes, relative to the workspace."""
        return f"specs/{self.service}/{self.capability}.openapi.yaml"


@dataclass(frozen=True)
class RenderedFile:
    """One file of a run, rendered in memory, as `render` hands it to `write`.

    `path` is a posix path relative to the workspace root. `service` names the
    nanoservice the file belongs to, empty for workspace-wide files; the
    manifest stores it.
    """

    path: str
    content: str
    owner: Owner
    service: str = ""
