"""Time `nanogen generate` on a generated capability list against a floor.

The floor is the least any generator must do for the same input: load the
same YAML with PyYAML (libyaml where available) and write the same files
(same paths, same sizes) with plain Python. Every measured run is a fresh
Python process, so both sides pay interpreter start-up and their imports,
and no cache carries over from one run to the next.

For each repetition the script measures, in this order:

- the command `python -m nanogen generate` into an empty folder, then again
  over the workspace it just wrote, where every file is identical;
- `nanogen.pipeline.generate` in a fresh process, timing only the call (not
  the interpreter or the imports), into an empty folder and then again;
- the floor in a fresh process, writing the same tree into an empty folder,
  and its counterpart for the unchanged workspace: load the YAML and read
  every file back.

Before them, one `pipeline.generate` call runs under cProfile. It is not
timed: it warms the file and bytecode caches and gives the profile and the
tree that the floor copies. The script needs a Unix (it reads child CPU
times with `resource`) and prints Markdown; bench/README.md has the results.

    python bench/bench_generate.py --capabilities 500 --repeat 3
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import importlib.util
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as FastLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

SCRIPT = Path(__file__).resolve()
CAPABILITIES_PER_SERVICE = 10


# The capability list


def shared_schemas(service_count: int) -> dict[str, Any]:
    """Build common shared schemas plus one record schema per service."""
    money = {
        "type": "object",
        "description": "An amount of money in minor units of its currency.",
        "required": ["amount", "currency"],
        "additionalProperties": False,
        "properties": {
            "amount": {"type": "integer", "minimum": 0},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    }
    address = {
        "type": "object",
        "required": ["line1", "city", "postal_code", "country"],
        "additionalProperties": False,
        "properties": {
            "line1": {"type": "string", "minLength": 1},
            "line2": {"type": "string"},
            "city": {"type": "string", "minLength": 1},
            "postal_code": {"type": "string", "minLength": 1, "maxLength": 16},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        },
    }
    line_item = {
        "type": "object",
        "required": ["sku", "quantity", "unit_price"],
        "additionalProperties": False,
        "properties": {
            "sku": {"type": "string", "pattern": "^[A-Z0-9-]{3,32}$"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_price": {"$ref": "Money"},
        },
    }
    contact = {
        "type": "object",
        "required": ["name", "email"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "email": {"type": "string", "format": "email"},
            "phone": {"type": "string"},
        },
    }
    schemas: dict[str, Any] = {
        "Money": money,
        "Address": address,
        "LineItem": line_item,
        "Contact": contact,
        "Status": {"type": "string", "enum": ["draft", "active", "archived"]},
        "Page": {
            "type": "object",
            "required": ["total"],
            "properties": {
                "next_cursor": {"type": "string"},
                "total": {"type": "integer", "minimum": 0},
            },
        },
    }
    for number in range(service_count):
        schemas[f"Record{number}"] = {
            "type": "object",
            "description": f"A record of area {number}.",
            "required": ["record_id", "title", "status", "price"],
            "additionalProperties": False,
            "properties": {
                "record_id": {"type": "string", "pattern": "^rec_[0-9a-z]{8}$"},
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "status": {"$ref": "Status"},
                "price": {"$ref": "Money"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "lines": {"type": "array", "items": {"$ref": "LineItem"}},
                "ship_to": {"$ref": "Address"},
                "contact": {"$ref": "Contact"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        }
    return schemas


def service_capabilities(number: int) -> list[dict[str, Any]]:
    """Build the ten capabilities of one service: CRUD, queries and commands."""
    base = f"/area-{number}/records"
    record = f"Record{number}"
    price = {"amount": 1250, "currency": "EUR"}
    address = {
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    }
    line = {"sku": "MUG-01", "quantity": 2, "unit_price": price}
    stored = {
        "record_id": "rec_4f2a9c1b",
        "title": "Two mugs",
        "status": "active",
        "price": price,
        "tags": ["kitchen"],
        "lines": [line],
        "ship_to": address,
        "updated_at": "2024-05-01T12:00:00Z",
    }
    return [
        {
            "name": "create-record",
            "summary": "Create a record.",
            "effect": "create",
            "path": base,
            "input": {
                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                "price": "Money",
                "lines": "LineItem[]",
                "tags": "string[]?",
                "ship_to": "Address?",
                "contact": "Contact?",
                "note": "string?",
            },
            "output": {"record": record},
            "errors": {409: "A record with this title exists already"},
            "examples": [
                {
                    "summary": "Two mugs shipped to Berlin",
                    "input": {
                        "title": "Two mugs",
                        "price": price,
                        "lines": [line],
                        "tags": ["kitchen"],
                        "ship_to": address,
                    },
                    "output": {"record": stored},
                }
            ],
        },
        {
            "name": "get-record",
            "summary": "Look up one record by its id.",
            "effect": "read",
            "method": "GET",
            "path": base + "/{record_id}",
            "input": {"record_id": "string", "expand": "string[]?"},
            "output": {"record": record},
            "errors": {404: "No record has this id"},
            "examples": [
                {
                    "summary": "An active record",
                    "input": {"record_id": "rec_4f2a9c1b"},
                    "output": {"record": stored},
                }
            ],
        },
        {
            "name": "list-records",
            "summary": "List records, newest first.",
            "effect": "read",
            "method": "GET",
            "path": base,
            "input": {
                "status": "Status?",
                "tag": "string[]?",
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "default": 20,
                },
                "cursor": "string?",
            },
            "output": {"records": f"{record}[]", "page": "Page"},
        },
        {
            "name": "update-record",
            "summary": "Replace the editable fields of a record.",
            "effect": "update",
            "method": "PUT",
            "path": base + "/{record_id}",
            "input": {
                "record_id": "string",
                "title": "string?",
                "price": "Money?",
                "tags": "string[]?",
                "ship_to": "Address?",
            },
            "output": {"record": record},
            "errors": {
                404: "No record has this id",
                409: "The record changed meanwhile",
            },
        },
        {
            "name": "set-status",
            "summary": "Move a record to another status.",
            "effect": "update",
            "method": "PATCH",
            "path": base + "/{record_id}/status",
            "input": {"record_id": "string", "status": "Status"},
            "output": {"record_id": "string", "status": "Status"},
            "errors": {404: "No record has this id"},
        },
        {
            "name": "delete-record",
            "summary": "Delete a record.",
            "effect": "delete",
            "method": "DELETE",
            "path": base + "/{record_id}",
            "input": {"record_id": "string", "reason": "string?"},
            "output": {"deleted": "boolean"},
            "errors": {404: "No record has this id"},
        },
        {
            "name": "quote-price",
            "summary": "Price a set of lines with shipping.",
            "effect": "read",
            "path": f"/area-{number}/quotes",
            "input": {"lines": "LineItem[]", "ship_to": "Address", "coupon": "string?"},
            "output": {"subtotal": "Money", "shipping": "Money", "total": "Money"},
            "errors": {422: "A line is not sold to this country"},
            "examples": [
                {
                    "summary": "Two mugs to Berlin",
                    "input": {"lines": [line], "ship_to": address},
                    "output": {
                        "subtotal": {"amount": 2500, "currency": "EUR"},
                        "shipping": {"amount": 490, "currency": "EUR"},
                        "total": {"amount": 2990, "currency": "EUR"},
                    },
                }
            ],
        },
        {
            "name": "search-records",
            "summary": "Search records by text and filters.",
            "effect": "read",
            "path": base + "/search",
            "input": {
                "query": {"type": "string", "minLength": 1},
                "filters": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "status": {"$ref": "Status"},
                        "min_price": {"$ref": "Money"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                    "default": {},
                },
                "limit": "integer?",
            },
            "output": {"records": f"{record}[]", "page": "Page"},
        },
        {
            "name": "export-records",
            "summary": "Start an export of every record.",
            "effect": "create",
            "path": base + "/exports",
            "input": {
                "format": {"type": "string", "enum": ["csv", "json"]},
                "since": {
                    "type": "string",
                    "format": "date-time",
                    "default": "2024-01-01T00:00:00Z",
                },
                "notify": "Contact?",
            },
            "output": {
                "export_id": "string",
                "download_url": {"type": "string", "format": "uri"},
            },
        },
        {
            "name": "count-records",
            "summary": "Count records by status.",
            "effect": "read",
            "method": "GET",
            "path": base + "/count",
            "input": {"status": "Status?"},
            "output": {"count": "integer"},
        },
    ]


def write_capability_list(path: Path, count: int) -> None:
    """Write a capability list of `count` capabilities, ten per service.

    Each service has a record schema built from the common shared ones and
    ten capabilities in every method: GET with path parameters and query
    parameters, optional fields, lists, inline JSON Schemas and examples.
    """
    service_count = -(-count // CAPABILITIES_PER_SERVICE)
    services: dict[str, Any] = {}
    for number in range(service_count):
        remaining = count - number * CAPABILITIES_PER_SERVICE
        capabilities = service_capabilities(number)[:remaining]
        services[f"area-{number}"] = {
            "summary": f"Records of area {number}",
            "capabilities": capabilities,
        }
    document = {
        "nanogen": 1,
        "project": "bench",
        "security": "api-key",
        "schemas": shared_schemas(service_count),
        "services": services,
    }
    text = yaml.safe_dump(document, sort_keys=False, width=88)
    path.write_text(text, encoding="utf-8")


# Workers: each runs in a fresh process and prints its result as JSON.


def worker_library(config: Path, output: Path, profile: Path | None) -> None:
    """Import nanogen, then time one `pipeline.generate` call."""
    start = time.perf_counter()
    from nanogen import pipeline

    imported = time.perf_counter()
    profiler = cProfile.Profile() if profile is not None else None
    if profiler is not None:
        profiler.enable()
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    result = pipeline.generate(config=config, output=output)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(profile)

    verbs = result.plan.counts()
    summary = {"import": imported - start, "wall": wall, "cpu": cpu, "verbs": verbs}
    json.dump(summary, sys.stdout)


def worker_floor(config: Path, output: Path, layout: Path, *, write: bool) -> None:
    """Load the YAML, then write each file of `layout` with its size, or read it."""
    sizes: dict[str, int] = json.loads(layout.read_text(encoding="utf-8"))
    cpu_start = time.process_time()
    wall_start = time.perf_counter()

    with config.open(encoding="utf-8") as stream:
        yaml.load(stream, Loader=FastLoader)
    for relative, size in sizes.items():
        target = output / relative
        if write:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"x" * size)
        else:
            target.read_bytes()

    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    json.dump({"wall": wall, "cpu": cpu}, sys.stdout)


# The parent process


@dataclass(frozen=True)
class Timing:
    """Seconds of one run: elapsed, and CPU (user plus system) of its process."""

    wall: float
    cpu: float


def run_timed(command: list[str], *, cwd: Path) -> tuple[Timing, str, str]:
    """Run a command in `cwd` and return its timing, stdout and stderr."""
    # RUSAGE_CHILDREN sums every child waited for, and children run one at a
    # time, so the difference is this command's CPU time.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=cwd, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)

    if completed.returncode != 0:
        sys.exit(
            f"{' '.join(command)} failed with exit status {completed.returncode}:\n"
            f"{completed.stderr}"
        )
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Timing(wall, cpu), completed.stdout, completed.stderr


def run_command(config: Path, output: Path) -> tuple[Timing, str]:
    """Run `nanogen generate` and return its timing and its summary line."""
    command = [sys.executable, "-m", "nanogen", "generate"]
    command += ["-c", str(config), "-o", str(output)]
    # `python -m` puts the working folder first on sys.path, so running in a
    # source checkout would import its nanogen ahead of PYTHONPATH.
    timing, _, stderr = run_timed(command, cwd=config.parent)
    return timing, stderr.strip().splitlines()[-1]


def run_worker(
    name: str, config: Path, output: Path, *options: str
) -> tuple[Timing, dict[str, Any]]:
    """Run this script as a worker and return its timing and its JSON result."""
    command = [sys.executable, str(SCRIPT), "--worker", name]
    command += ["--config", str(config), "--output", str(output), *options]
    timing, stdout, _ = run_timed(command, cwd=config.parent)
    return timing, json.loads(stdout)


def fresh_folder(path: Path) -> Path:
    """Return `path` as an empty folder, removing what it contained."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    return path


def tree_layout(root: Path) -> dict[str, int]:
    """Map every file below `root` to its size in bytes."""
    return {
        path.relative_to(root).as_posix(): path.stat().st_size
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def nanogen_folder() -> Path:
    """Return the folder of the nanogen package that this Python imports."""
    spec = importlib.util.find_spec("nanogen")
    if spec is None or spec.origin is None:
        sys.exit("nanogen is not installed in this Python")
    return Path(spec.origin).parent


def machine_lines() -> list[str]:
    """Describe the CPU, memory, OS, Python and nanogen of this run."""
    cpu = platform.processor() or platform.machine()
    memory = "unknown"
    system = platform.platform()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
        release = platform.freedesktop_os_release()
        system = f"{release.get('PRETTY_NAME', 'Linux')}, kernel {platform.release()}"
    except OSError:
        pass  # not Linux, so keep what `platform` reports

    import nanogen

    package = nanogen_folder()
    source = f"{package}"
    if package.parent == SCRIPT.parents[1]:
        # GIT_OPTIONAL_LOCKS=0 stops git from rewriting the index while it reads.
        environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
        git = ["git", "-C", str(package.parent)]
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "diff", "--quiet", "HEAD", "--", "nanogen", "templates"],
            capture_output=True,
            env=environment,
            check=False,
        ).returncode
        source += f", commit {commit or 'unknown'}"
        if changed:
            source += " with uncommitted changes to nanogen or templates"

    yaml_parser = "libyaml" if FastLoader is not yaml.SafeLoader else "pure Python"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- memory: {memory}",
        f"- OS: {system}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        f"- nanogen {nanogen.__version__} from {source}",
        f"- PyYAML {yaml.__version__} with {yaml_parser}",
    ]


def print_profile(stats_file: Path, top: int) -> None:
    """Print the functions with the most own time, then nanogen's slowest."""
    raw: dict[Any, Any] = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    nanogen_root = str(nanogen_folder())
    entries: list[tuple[float, float, int, str, bool]] = []
    for (file, line, function), (_, calls, own, cumulative, _) in raw.items():
        where = function if file == "~" else f"{Path(file).name}:{line} {function}"
        entries.append((own, cumulative, calls, where, file.startswith(nanogen_root)))
    total = sum(entry[0] for entry in entries)

    print(f"\nprofile: one `pipeline.generate` call, {total:.2f} s under cProfile")
    print(f"\ntop {top} by own time:\n")
    print("| own s | share | calls | function |")
    print("|---:|---:|---:|---|")
    for own, _, calls, where, _ in sorted(entries, reverse=True)[:top]:
        print(f"| {own:.2f} | {own / total:.0%} | {calls} | `{where}` |")

    print(f"\ntop {top * 3} nanogen functions by cumulative time:\n")
    print("| cumulative s | share | calls | function |")
    print("|---:|---:|---:|---|")
    ours = sorted(
        (cumulative, calls, where)
        for _, cumulative, calls, where, is_nanogen in entries
        if is_nanogen
    )
    for cumulative, calls, where in reversed(ours[-top * 3 :]):
        print(f"| {cumulative:.2f} | {cumulative / total:.0%} | {calls} | `{where}` |")


def median_timing(timings: list[Timing]) -> Timing:
    """Return the median wall time and the median CPU time of some runs."""
    return Timing(
        statistics.median(timing.wall for timing in timings),
        statistics.median(timing.cpu for timing in timings),
    )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(config: Path, folder: Path, repeat: int) -> dict[str, Any]:
    """Run the profiled warm-up and every timed run, and collect the timings."""
    # The profiled run is not timed. It warms the file cache and the bytecode
    # cache, and writes the tree whose layout the floor copies.
    stats_file = folder / "generate.pstats"
    warm_up = fresh_folder(folder / "profile")
    timing, _ = run_worker("library", config, warm_up, "--profile", str(stats_file))
    progress(f"profiled warm-up: {timing.wall:.2f} s")
    layout = tree_layout(warm_up)
    layout_file = folder / "layout.json"
    layout_file.write_text(json.dumps(layout), encoding="utf-8")

    timings: dict[str, list[Timing]] = {}
    summaries: dict[str, str] = {}
    imports: list[float] = []

    def record(key: str, timing: Timing, summary: str = "") -> None:
        timings.setdefault(key, []).append(timing)
        if summary:
            summaries[key] = summary
        progress(f"{key}: {timing.wall:.3f} s wall, {timing.cpu:.3f} s CPU")

    for _ in range(repeat):
        workspace = fresh_folder(folder / "command")
        for key in ("command, empty", "command, unchanged"):
            timing, summary = run_command(config, workspace)
            record(key, timing, summary)
        if tree_layout(workspace) != layout:
            sys.exit(
                "the command wrote other files or sizes than the warm-up call; "
                "check that both import the same nanogen"
            )

        workspace = fresh_folder(folder / "call")
        for key in ("call, empty", "call, unchanged"):
            _, result = run_worker("library", config, workspace)
            imports.append(result["import"])
            verbs = ", ".join(f"{n} {verb}" for verb, n in result["verbs"].items())
            record(key, Timing(result["wall"], result["cpu"]), verbs)

        workspace = fresh_folder(folder / "floor")
        layout_option = ("--layout", str(layout_file))
        for suffix, worker in (("empty", "floor"), ("unchanged", "floor-read")):
            timing, result = run_worker(worker, config, workspace, *layout_option)
            record(f"floor command, {suffix}", timing)
            record(f"floor call, {suffix}", Timing(result["wall"], result["cpu"]))

    return {
        "stats_file": stats_file,
        "layout": layout,
        "timings": timings,
        "summaries": summaries,
        "import": statistics.median(imports),
    }


def print_results(measured: dict[str, Any], config: Path, repeat: int) -> None:
    """Print the run's size, the results table and every single run."""
    layout: dict[str, int] = measured["layout"]
    timings: dict[str, list[Timing]] = measured["timings"]
    median = {key: median_timing(values) for key, values in timings.items()}

    print(
        f"\ninput: {config.stat().st_size} bytes of YAML; output: {len(layout)} "
        f"files, {sum(layout.values())} bytes; median of {repeat} run(s)\n"
    )
    for key, summary in measured["summaries"].items():
        print(f"- {key}: {summary}")
    print(f"- importing nanogen.pipeline: {measured['import']:.2f} s")

    print(
        "\n| measurement | empty: wall | empty: CPU | unchanged: wall | unchanged: CPU |"
    )
    print("|---|---:|---:|---:|---:|")
    rows = (
        ("`nanogen generate`, fresh process", "command"),
        ("floor, fresh process", "floor command"),
        ("`pipeline.generate` call", "call"),
        ("floor, in process", "floor call"),
    )
    for label, key in rows:
        cells = []
        for suffix in ("empty", "unchanged"):
            timing = median[f"{key}, {suffix}"]
            cells += [f"{timing.wall:.3f} s", f"{timing.cpu:.3f} s"]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for label, numerator, denominator in (
        ("ratio command / floor", "command", "floor command"),
        ("ratio call / floor", "call", "floor call"),
    ):
        cells = []
        for suffix in ("empty", "unchanged"):
            top = median[f"{numerator}, {suffix}"]
            bottom = median[f"{denominator}, {suffix}"]
            cells += [f"{top.wall / bottom.wall:.0f}x", f"{top.cpu / bottom.cpu:.0f}x"]
        print(f"| {label} | " + " | ".join(cells) + " |")

    print("\nevery run, wall seconds:\n")
    for key, values in timings.items():
        print(f"- {key}: " + ", ".join(f"{timing.wall:.3f}" for timing in values))


def benchmark(arguments: argparse.Namespace) -> None:
    """Measure, profile and print the results as Markdown."""
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(
        prefix="nanogen-bench-", dir=arguments.scratch
    ) as scratch:
        folder = Path(scratch).resolve()
        config = folder / "nanogen.yaml"
        write_capability_list(config, arguments.capabilities)
        measured = measure(config, folder, arguments.repeat)
        elapsed = datetime.datetime.now(datetime.timezone.utc) - started

        print(f"date: {started:%Y-%m-%d %H:%M} UTC, {elapsed.seconds} s in all")
        print(f"scratch folder: {folder}")
        print(
            f"load average (1 min): {load_before:.2f} before, "
            f"{os.getloadavg()[0]:.2f} after\n"
        )
        print("\n".join(machine_lines()))
        print(f"\n{arguments.capabilities} capabilities")
        print_results(measured, config, arguments.repeat)
        print_profile(measured["stats_file"], arguments.top)
        if arguments.keep_profile is not None:
            shutil.copyfile(measured["stats_file"], arguments.keep_profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--capabilities",
        type=int,
        default=500,
        help="Number of capabilities in the generated list.",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Number of timed runs of each measurement.",
    )
    parser.add_argument(
        "--top",
        type=int,
        default=5,
        help="Number of functions to list from the profile.",
    )
    parser.add_argument(
        "--scratch",
        type=Path,
        default=None,
        help="Folder for the temporary workspaces. Default: the system temp folder.",
    )
    parser.add_argument(
        "--write-list",
        type=Path,
        default=None,
        metavar="FILE",
        help="Write the capability list to FILE and exit, to profile by hand.",
    )
    parser.add_argument(
        "--keep-profile",
        type=Path,
        default=None,
        metavar="FILE",
        help="Save the cProfile statistics to FILE, for `python -m pstats FILE`.",
    )
    # The worker options are for the fresh processes that this script starts.
    parser.add_argument(
        "--worker", choices=("library", "floor", "floor-read"), help=argparse.SUPPRESS
    )
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--layout", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.capabilities < 1 or arguments.repeat < 1:
        parser.error("--capabilities and --repeat must be at least 1")

    if arguments.write_list is not None:
        arguments.write_list.parent.mkdir(parents=True, exist_ok=True)
        write_capability_list(arguments.write_list, arguments.capabilities)
    elif arguments.worker == "library":
        worker_library(arguments.config, arguments.output, arguments.profile)
    elif arguments.worker in ("floor", "floor-read"):
        write = arguments.worker == "floor"
        worker_floor(arguments.config, arguments.output, arguments.layout, write=write)
    else:
        benchmark(arguments)


if __name__ == "__main__":
    main()
