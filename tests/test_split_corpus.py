"""`nanogen split` on real OpenAPI documents written by other people.

The documents live in a corpus folder beside the checkout and are used as
published. Small and medium documents are split whole, their generated
suites run, and a second `generate` must change nothing; the large ones are
split to specs only, with the size report checked.
"""

from __future__ import annotations

import json
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nanogen.decompose import HTTP_METHODS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"the corpus of real OpenAPI documents is not at {CORPUS}",
)

# (entry, path of the document inside it, folder that its refs may reach)
SMALL = [
    ("oai-petstore", "petstore.yaml", None),
    ("oai-petstore-expanded", "petstore-expanded.yaml", None),
    ("oai-callback-example", "callback-example.yaml", None),
    ("oai-link-example", "link-example.yaml", None),
    ("oai-webhook-example-3.1", "webhook-example.yaml", None),
    ("oai-tictactoe-3.1", "tictactoe.yaml", None),
    ("swagger-petstore-3", "openapi.yaml", None),
    ("redocly-museum-3.1", "openapi.yaml", None),
    ("oai-petstore-separate-2.0", "spec/swagger.yaml", "."),
]
# (entry, document, folder its refs may reach, --max-depth or None, operations)
LARGE = [
    ("twilio-api-v2010", "twilio_api_v2010.yaml", None, None, 197),
    ("stripe-2023-09", "spec3.yaml", None, 2, 468),
    ("openai", "openapi.yaml", None, None, 304),
    ("kubernetes-1.36-swagger", "swagger.json.unprocessed", None, None, 1123),
    ("digitalocean", "specification/DigitalOcean-public.v2.yaml", ".", None, 659),
]


def nanogen(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanogen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=1800,
        check=False,
    )


def count_operations(workspace: Path) -> int:
    data = yaml.safe_load((workspace / "nanogen.yaml").read_text(encoding="utf-8"))
    return sum(len(body["capabilities"]) for body in data["services"].values())


def split_args(entry: str, document: str, ref_root: str | None) -> list[str | Path]:
    args: list[str | Path] = [CORPUS / entry / document]
    if ref_root is not None:
        args += ["--ref-root", CORPUS / entry / ref_root]
    return args


@pytest.mark.parametrize(
    ("entry", "document", "ref_root"), SMALL, ids=[case[0] for case in SMALL]
)
def test_split_small_document_end_to_end(tmp_path, entry, document, ref_root):
    split = nanogen("split", *split_args(entry, document, ref_root), cwd=tmp_path)
    assert split.returncode == 0, split.stderr
    assert "Traceback" not in split.stderr

    specs = sorted((tmp_path / "specs").rglob("*.openapi.yaml"))
    assert len(specs) == count_operations(tmp_path)
    for spec in specs:
        content = yaml.safe_load(spec.read_text(encoding="utf-8"))
        operations = [
            method
            for item in content["paths"].values()
            for method in HTTP_METHODS
            if method in item
        ]
        assert len(operations) == 1, spec

    for module in (tmp_path / "services").rglob("*.py"):
        py_compile.compile(str(module), doraise=True)

    tests = nanogen("test", "-p", "no:cacheprovider", "-q", cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout[-6000:] + tests.stderr[-2000:]

    again = nanogen("generate", "--check", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("entry", "document", "ref_root", "max_depth", "operations"),
    LARGE,
    ids=[case[0] for case in LARGE],
)
def test_split_large_document_specs(
    tmp_path, entry, document, ref_root, max_depth, operations
):
    args = ["split", *split_args(entry, document, ref_root), "--specs-only"]
    args += ["--report", "json"]
    if max_depth is not None:
        args += ["--max-depth", str(max_depth)]

    split = nanogen(*args, cwd=tmp_path)

    assert split.returncode == 0, split.stderr[-4000:]
    report = json.loads(split.stdout)
    assert report["operations"] == operations
    assert count_operations(tmp_path) == operations
    assert len(list((tmp_path / "specs").rglob("*.openapi.yaml"))) == operations
    assert report["documents"]["median"]["percent_of_monolith"] < 2.0
    assert report["max_depth"] == max_depth


def test_stripe_lossless_median_needs_max_depth(tmp_path):
    """The lossless closure of Stripe's 71-schema cycle is too big for 2%."""
    args = ["split", CORPUS / "stripe-2023-09" / "spec3.yaml", "--specs-only"]
    split = nanogen(*args, "--report", "json", "--dry-run", cwd=tmp_path)

    assert split.returncode == 0, split.stderr[-4000:]
    report = json.loads(split.stdout)
    assert report["documents"]["median"]["percent_of_monolith"] > 2.0
    assert report["max_depth"] is None


def test_output_independent_of_input_path(tmp_path):
    source = CORPUS / "oai-petstore" / "petstore.yaml"
    copy = tmp_path / "input" / "petstore.yaml"
    copy.parent.mkdir()
    copy.write_bytes(source.read_bytes())

    absolute = nanogen("split", "--specs-only", copy, "-o", tmp_path / "a", cwd=tmp_path)
    relative = nanogen(
        "split", "--specs-only", "petstore.yaml", "-o", tmp_path / "b", cwd=copy.parent
    )

    assert absolute.returncode == 0, absolute.stderr
    assert relative.returncode == 0, relative.stderr
    written_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    written_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert written_a == written_b
    for path in written_a:
        if (tmp_path / "a" / path).is_file():
            assert (tmp_path / "a" / path).read_bytes() == (
                tmp_path / "b" / path
            ).read_bytes(), path
