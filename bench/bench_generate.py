"""Time `nanogen generate` on a large capability list against a floor.

The floor is the least any generator must do for the same input: load the
same YAML with PyYAML and write the same number of files, of the same total
size, with plain Python. Both run in this one process run, one after the
other, so the ratio compares like with like on whatever machine runs it.

    python bench/bench_generate.py --capabilities 500 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

try:
    from yaml import CSafeLoader as FastLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]


def write_capability_list(path: Path, count: int) -> None:
    """Write a capability list with `count` capabilities in services of ten."""
    services: dict[str, dict[str, object]] = {}
    for index in range(count):
        service = services.setdefault(
            f"service-{index // 10}",
            {"summary": f"Service {index // 10}", "capabilities": []},
        )
        effect = ("read", "create", "update", "delete")[index % 4]
        service["capabilities"].append(  # type: ignore[union-attr]
            {
                "name": f"capability-{index}",
                "summary": f"Capability number {index}.",
                "effect": effect,
                "input": {"amount": "Money", "note": "string?", "tags": "string[]"},
                "output": {"total": "Money", "accepted": "boolean"},
                "errors": {409: "The resource changed meanwhile."},
            }
        )
    document = {
        "nanogen": 1,
        "project": "bench",
        "security": "api-key",
        "schemas": {
            "Money": {
                "type": "object",
                "required": ["amount", "currency"],
                "properties": {
                    "amount": {"type": "integer"},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                },
            }
        },
        "services": services,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def run_nanogen(config: Path, output: Path) -> float:
    """Run `nanogen generate` into an empty folder; return the wall time."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nanogen", "--quiet", "generate"]
        + ["-c", str(config), "-o", str(output)],
        check=True,
    )
    return time.perf_counter() - start


def tree_size(root: Path) -> tuple[int, int]:
    """Count the files below `root` and their total size in bytes."""
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def run_floor(config: Path, output: Path, file_count: int, total_bytes: int) -> float:
    """Load the YAML and write `file_count` files of `total_bytes` in all."""
    if output.exists():
        shutil.rmtree(output)
    output.mkdir()
    start = time.perf_counter()
    with config.open(encoding="utf-8") as stream:
        yaml.load(stream, Loader=FastLoader)
    chunk = "x" * (total_bytes // max(file_count, 1))
    for index in range(file_count):
        folder = output / f"d{index // 10}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{index}.txt").write_text(chunk, encoding="utf-8")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capabilities", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nanogen-bench-") as scratch:
        folder = Path(scratch)
        config = folder / "nanogen.yaml"
        write_capability_list(config, arguments.capabilities)

        nanogen_times = [
            run_nanogen(config, folder / "out") for _ in range(arguments.repeat)
        ]
        file_count, total_bytes = tree_size(folder / "out")
        floor_times = [
            run_floor(config, folder / "floor", file_count, total_bytes)
            for _ in range(arguments.repeat)
        ]

    nanogen_median = statistics.median(nanogen_times)
    floor_median = statistics.median(floor_times)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    )
    print(f"python: {platform.python_version()}")
    print(f"capabilities: {arguments.capabilities}, runs: {arguments.repeat}")
    print(f"files written: {file_count}, bytes: {total_bytes}")
    print(f"nanogen generate: median {nanogen_median:.2f} s")
    print(f"floor (load YAML, write files): median {floor_median:.3f} s")
    print(f"ratio nanogen / floor: {nanogen_median / floor_median:.0f}x")


if __name__ == "__main__":
    main()
