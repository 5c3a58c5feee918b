"""python-fastapi services for operations split from real OpenAPI documents.

Each document of the corpus (real documents by other people, stored as
published) is bundled, converted from Swagger 2.0 where needed, and split
into one document per operation by `nanogen.slice`, as `nanogen split`
does. Every split document is rendered with the python-fastapi generator.

- The small documents: every operation's service compiles, and the
  generated tests of all of them pass, in one pytest subprocess per
  document.
- The large documents: every generated module of a fixed sample of
  operations, which includes the hardest ones each document has, compiles
  and imports in a subprocess, and Twilio's sample passes its generated
  tests.

The generated tests run schemathesis with fewer examples here
(NANOGEN_MAX_EXAMPLES) to bound the time; the templates' own default is
larger.
"""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from nanogen.bundle import bundle_document
from nanogen.convert import convert_swagger2
from nanogen.render import find_generator, nanoservice_from_document
from nanogen.slice import SlicedOperation, slice_document
from nanogen.spec import Nanoservice
from nanogen.testing import render_into, run_pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# Schemathesis examples per phase in the generated tests of this file.
MAX_EXAMPLES = "10"
# Operations per large document besides the hard ones below.
SAMPLE_SIZE = 10

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the corpus folder {CORPUS} is missing"
)


@dataclass(frozen=True)
class CorpusDocument:
    """One document of the corpus: its entry file and the folder its refs stay in."""

    name: str
    entry: str
    ref_root: str | None = None


SMALL_DOCUMENTS = [
    CorpusDocument("oai-petstore", "oai-petstore/petstore.yaml"),
    CorpusDocument(
        "oai-petstore-expanded", "oai-petstore-expanded/petstore-expanded.yaml"
    ),
    CorpusDocument(
        "oai-callback-example", "oai-callback-example/callback-example.yaml"
    ),
    CorpusDocument("oai-link-example", "oai-link-example/link-example.yaml"),
    CorpusDocument(
        "oai-webhook-example-3.1", "oai-webhook-example-3.1/webhook-example.yaml"
    ),
    CorpusDocument("oai-tictactoe-3.1", "oai-tictactoe-3.1/tictactoe.yaml"),
    CorpusDocument("swagger-petstore-3", "swagger-petstore-3/openapi.yaml"),
    CorpusDocument("redocly-museum-3.1", "redocly-museum-3.1/openapi.yaml"),
    CorpusDocument(
        "oai-petstore-separate-2.0",
        "oai-petstore-separate-2.0/spec/swagger.yaml",
        ref_root="oai-petstore-separate-2.0",
    ),
]
LARGE_DOCUMENTS = [
    CorpusDocument("twilio-api-v2010", "twilio-api-v2010/twilio_api_v2010.yaml"),
    CorpusDocument("stripe-2023-09", "stripe-2023-09/spec3.yaml"),
    CorpusDocument("openai", "openai/openapi.yaml"),
    CorpusDocument("kubernetes", "kubernetes-1.36-swagger/swagger.json.unprocessed"),
    CorpusDocument(
        "digitalocean", "digitalocean/specification/DigitalOcean-public.v2.yaml"
    ),
]
# The hardest operations of each large document, always in its sample.
HARD_OPERATIONS: dict[str, list[tuple[str, str]]] = {
    "twilio-api-v2010": [
        # A form body with `From`, `Parameter1.Name`-style fields, and a
        # literal `.json` glued to the last path parameter.
        ("post", "/2010-04-01/Accounts/{AccountSid}/Calls.json"),
        ("post", "/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Streams.json"),
        # Query parameters named `StartTime<` and `StartTime>`.
        ("get", "/2010-04-01/Accounts/{AccountSid}/Calls.json"),
        ("post", "/2010-04-01/Accounts/{AccountSid}/Messages.json"),
    ],
    "stripe-2023-09": [
        # The 71-schema cycle, a deepObject query, a multipart upload and
        # a PDF response.
        ("get", "/v1/accounts/{account}"),
        ("get", "/v1/charges"),
        ("post", "/v1/files"),
        ("get", "/v1/quotes/{quote}/pdf"),
    ],
    "openai": [
        # Path keys with a query string, `$recursiveRef`, multipart and
        # JSON bodies, server-sent events and binary responses.
        ("get", "/responses/{response_id}?beta=true"),
        ("post", "/responses?beta=true"),
        ("post", "/vector_stores/{vector_store_id}/search"),
        ("post", "/audio/transcriptions"),
        ("post", "/chat/completions"),
        ("get", "/videos/{video_id}/content"),
    ],
    "kubernetes": [
        # Properties named `$ref`, `not`, `default`, `continue`; six patch
        # media types.
        ("post", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"),
        ("patch", "/api/v1/namespaces/{namespace}/pods/{name}"),
    ],
    "digitalocean": [
        # Properties with dots (`pg_stat_statements.track`), discriminated
        # unions, a CSV response, server-sent events, a binary upload.
        ("patch", "/v2/databases/{database_cluster_uuid}/config"),
        ("post", "/v2/droplets/{droplet_id}/actions"),
        ("get", "/v2/customers/my/invoices/{invoice_uuid}/csv"),
        ("post", "/v1/chat/completions"),
        ("put", "/<upload_url>"),
    ],
}


# -- documents ----------------------------------------------------------------


@cache
def load_corpus(entry: str, ref_root: str | None) -> dict[str, Any]:
    """Bundle a corpus document and convert it to OpenAPI 3.0 if it is Swagger 2.0."""
    bundled = bundle_document(
        CORPUS / entry, ref_root=CORPUS / ref_root if ref_root else None
    )
    document = bundled.document
    if bundled.version.startswith("2"):
        document = convert_swagger2(document, file=entry).document
    return document


def split_documents(document: dict[str, Any], entry: str) -> list[SlicedOperation]:
    """Split a document into one document per operation, as `nanogen split` does."""
    return slice_document(document, file=entry, group_by="tag").operations


def nanoservices(
    splits: list[SlicedOperation], project: str
) -> list[tuple[Nanoservice, dict[str, Any]]]:
    """Build each document's nanoservice under the names the split gave it."""
    return [
        (
            nanoservice_from_document(
                split.document,
                project,
                service=split.service,
                capability=split.capability,
            ),
            split.document,
        )
        for split in splits
    ]


def render_workspace(
    root: Path, splits: list[SlicedOperation], project: str
) -> list[Path]:
    """Render one service per document under `root`; return the service folders."""
    services = nanoservices(splits, project)
    render_into(root, find_generator("python-fastapi"), services)
    return [root / "services" / ns.package for ns, _ in services]


def sample(splits: list[SlicedOperation], name: str) -> list[SlicedOperation]:
    """Pick every n-th operation, about SAMPLE_SIZE of them, plus the hard ones."""
    step = max(1, len(splits) // SAMPLE_SIZE)
    chosen = splits[::step]
    by_key = {(split.method, split.path): split for split in splits}
    for key in HARD_OPERATIONS.get(name, []):
        assert key in by_key, f"{name}: operation {key} not found"
        if by_key[key] not in chosen:
            chosen.append(by_key[key])
    return chosen


# -- checks ------------------------------------------------------------------

# Imports every module of the given service folders, each with its folder on
# sys.path as its conftest.py puts it there, and prints the failures as JSON.
IMPORT_SCRIPT = """
import importlib.util, json, sys, traceback
from pathlib import Path

failures = {}
for folder in map(Path, sys.argv[1:]):
    sys.path.insert(0, str(folder))
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).with_suffix("")
        name = ".".join(relative.parts)
        if relative.parts[0] == "tests" or name == "conftest":
            name = folder.name + "_test_" + "_".join(relative.parts)
        try:
            if relative.parts[0] in ("tests", "conftest"):
                spec = importlib.util.spec_from_file_location(name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            else:
                importlib.import_module(name)
        except BaseException as error:
            failures[str(path)] = traceback.format_exception_only(error)[-1].strip()
print(json.dumps(failures))
"""


def compile_all(folders: list[Path], tmp_path: Path) -> list[str]:
    failures = []
    for folder in folders:
        for module in sorted(folder.rglob("*.py")):
            try:
                py_compile.compile(
                    str(module), cfile=str(tmp_path / "module.pyc"), doraise=True
                )
            except py_compile.PyCompileError as error:
                failures.append(f"{module}: {error.msg}")
    return failures


def import_all(folders: list[Path]) -> dict[str, str]:
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", IMPORT_SCRIPT, *map(str, folders)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    failures: dict[str, str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return failures


def run_generated_tests(root: Path) -> subprocess.CompletedProcess[str]:
    return run_pytest(
        root / "services",
        cwd=root,
        timeout=900,
        env={"NANOGEN_MAX_EXAMPLES": MAX_EXAMPLES},
    )


def summary(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


# -- tests -------------------------------------------------------------------


@pytest.mark.parametrize("corpus", SMALL_DOCUMENTS, ids=lambda c: c.name)
def test_small_document_services_pass_their_tests(
    corpus: CorpusDocument, tmp_path: Path
) -> None:
    document = load_corpus(corpus.entry, corpus.ref_root)
    splits = split_documents(document, corpus.entry)

    folders = render_workspace(tmp_path, splits, corpus.name)
    compile_failures = compile_all(folders, tmp_path)
    result = run_generated_tests(tmp_path)

    assert len(folders) == len(splits) > 0
    assert not compile_failures
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert " passed" in summary(result)
    assert "skipped" not in summary(result)


@pytest.mark.parametrize("corpus", LARGE_DOCUMENTS, ids=lambda c: c.name)
def test_large_document_sample_imports(corpus: CorpusDocument, tmp_path: Path) -> None:
    document = load_corpus(corpus.entry, corpus.ref_root)
    splits = sample(split_documents(document, corpus.entry), corpus.name)

    folders = render_workspace(tmp_path, splits, corpus.name)
    compile_failures = compile_all(folders, tmp_path)
    import_failures = import_all(folders)

    assert len(folders) >= SAMPLE_SIZE
    assert all(len(list(folder.rglob("*.py"))) >= 10 for folder in folders)
    assert not compile_failures
    assert not import_failures


def test_twilio_sample_passes_its_tests(tmp_path: Path) -> None:
    corpus = LARGE_DOCUMENTS[0]
    document = load_corpus(corpus.entry, corpus.ref_root)
    splits = sample(split_documents(document, corpus.entry), corpus.name)

    render_workspace(tmp_path, splits, corpus.name)
    result = run_generated_tests(tmp_path)

    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert " passed" in summary(result)
