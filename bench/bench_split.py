"""Time `nanogen split` on large real OpenAPI documents against a floor and Redocly.

For each document (Twilio, Stripe and Kubernetes from the corpus folder) the
script runs, one after the other and each in a fresh process writing into an
empty folder:

- the floor: read the document with PyYAML's C loader (with `json` for a
  `.json` file, as `nanogen.load` does) and write it back once with PyYAML's
  C dumper. No split can do less than that.
- `nanogen split --specs-only`, lossless and, for Stripe, with `--max-depth 2`.
- the full `nanogen split`, which also renders a service per operation, with
  the same depths.
- Redocly CLI's `split` command, which writes shared files joined by `$ref`
  instead of self-contained documents.
- `nanogen.pipeline.split` with `specs_only` in a worker that times its
  stages, including the closure computation inside `slice_document`.

Each command's wall time, CPU time (user plus system) and peak resident
memory come from GNU time (`/usr/bin/time`), or from `os.wait4` where it is
missing. A command still running after `--timeout` seconds is killed and
recorded as timed out. Redocly CLI is installed with npm into `--cache`,
once, and runs with its usage data and update check turned off, inside an
empty network namespace where `unshare --net` works (as root on Linux).

    python bench/bench_split.py
    python bench/bench_split.py --corpus ../shared/corpus --timeout 600

The script needs Linux and prints Markdown. bench/README.md has the results.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as FastDumper
    from yaml import CSafeLoader as FastLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeDumper as FastDumper  # type: ignore[assignment]
    from yaml import SafeLoader as FastLoader  # type: ignore[assignment]

SCRIPT = Path(__file__).resolve()
REPOSITORY = SCRIPT.parents[1]
GNU_TIME = Path("/usr/bin/time")
REDOCLY_VERSION = "2.77.0"

# Redocly CLI sends usage data to Redocly unless REDOCLY_TELEMETRY is off (its
# "Usage data" page). Version 2.77.0 also checks npm for a newer version
# unless the two notice variables are true (read in its lib/index.js).
REDOCLY_ENVIRONMENT = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "REDOCLY_SUPPRESS_NOTIFICATIONS": "true",
}


@dataclass(frozen=True)
class Document:
    """A corpus document and the `--max-depth` values to split it with."""

    name: str
    path: str
    depths: tuple[int | None, ...] = (None,)


DOCUMENTS = (
    Document("Twilio", "twilio-api-v2010/twilio_api_v2010.yaml"),
    Document("Stripe", "stripe-2023-09/spec3.yaml", (None, 2)),
    Document("Kubernetes", "kubernetes-1.36-swagger/swagger.json.unprocessed"),
)


# Workers: each runs in a fresh process and prints its result as JSON.


class _AliasFreeDumper(FastDumper):  # type: ignore[misc,valid-type]
    """The C dumper without anchors, which is how nanogen writes its documents."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def worker_floor(source: Path, output: Path) -> None:
    """Read the document as nanogen's loader would, then dump it once as YAML."""
    start = time.perf_counter()
    text = source.read_text(encoding="utf-8")
    # `nanogen.load.load_file` parses a `*.json` file with `json`, not YAML.
    if source.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        data = yaml.load(text, Loader=FastLoader)
    loaded = time.perf_counter()

    output.mkdir(parents=True, exist_ok=True)
    with (output / "document.yaml").open("w", encoding="utf-8") as stream:
        yaml.dump(
            data,
            stream,
            Dumper=_AliasFreeDumper,
            sort_keys=False,
            allow_unicode=True,
            width=4096,
            default_flow_style=False,
        )
    dumped = time.perf_counter()
    json.dump({"load": loaded - start, "dump": dumped - loaded}, sys.stdout)


# The stages that the stage worker times, as (module, attribute, key). Each
# wrapper adds its call's wall time to the key. Names that start with `_`
# are nanogen's private ones, so a stage that is renamed is reported as
# missing instead of failing the run.
STAGES = (
    ("nanogen.bundle", "bundle_document", "bundle"),
    ("nanogen.convert", "convert_swagger2", "convert"),
    ("nanogen.repair", "repair_document", "repair"),
    ("nanogen.slice", "slice_document", "slice"),
    ("nanogen.slice", "_Slicer.build_graph", "graph"),
    ("nanogen.slice", "_Collector.collect", "collect"),
    ("nanogen.slice", "_dump", "dump"),
    ("nanogen.slice", "_Graph.__init__", "closures"),
    ("nanogen.slice", "_Graph.closure", "unions"),
    ("nanogen.slice", "_depths", "depths"),
    ("nanogen.pipeline", "_check_split_documents", "validate sample"),
    ("nanogen.slice", "SlicedOperation.text", "join"),
    ("nanogen.pipeline", "nanoservice_for_document", "decompose"),
    ("nanogen.pipeline", "plan_write", "plan"),
    ("nanogen.pipeline", "apply_write", "write"),
)


def _timed(
    function: Callable[..., Any], key: str, totals: dict[str, list[float]]
) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            entry = totals.setdefault(key, [0.0, 0])
            entry[0] += time.perf_counter() - start
            entry[1] += 1

    return wrapper


def _instrument(totals: dict[str, list[float]]) -> list[str]:
    """Wrap each stage in `STAGES` with a timer; return the keys not found."""
    import importlib

    missing = []
    for module_name, attribute, key in STAGES:
        owner: Any = importlib.import_module(module_name)
        *parents, name = attribute.split(".")
        for parent in parents:
            owner = getattr(owner, parent, None)
        original = getattr(owner, name, None) if owner is not None else None
        if original is None:
            missing.append(key)
        elif isinstance(original, property) and original.fget is not None:
            setattr(owner, name, property(_timed(original.fget, key, totals)))
        else:
            setattr(owner, name, _timed(original, key, totals))
    return missing


def worker_stages(source: Path, output: Path, max_depth: int | None) -> None:
    """Time one `pipeline.split(specs_only=True)` call and each of its stages."""
    from nanogen import pipeline

    totals: dict[str, list[float]] = {}
    missing = _instrument(totals)
    cpu_start = time.process_time()
    start = time.perf_counter()
    result = pipeline.split(
        source=source, output=output, max_depth=max_depth, specs_only=True
    )
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    summary = {
        "wall": wall,
        "cpu": cpu,
        "operations": len(result.nanoservices),
        "stages": totals,
        "missing": missing,
    }
    json.dump(summary, sys.stdout)


# The parent process


@dataclass
class Run:
    """One measured command and what it wrote."""

    document: str
    label: str
    command: list[str]
    status: str = "ok"
    message: str = ""
    wall: float = 0.0
    cpu: float = 0.0
    peak_kib: int = 0
    files: int = 0
    bytes: int = 0
    details: dict[str, Any] = field(default_factory=dict)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def folder_size(root: Path) -> tuple[int, int]:
    """Return the number of files below `root` and their total size in bytes."""
    files = 0
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            files += 1
            total += (Path(folder) / name).stat().st_size
    return files, total


def _wait_with_usage(
    process: subprocess.Popen[bytes], timeout: float
) -> tuple[int | None, Any]:
    """Wait for `process` and return its exit status and resource usage.

    Returns None as the status when the process was killed at the timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = -signal.SIGKILL
            return None, usage
        time.sleep(0.01)


def run_measured(
    run: Run,
    *,
    cwd: Path,
    logs: Path,
    timeout: float,
    environment: dict[str, str] | None = None,
) -> str:
    """Run `run.command`, fill in its timing and peak memory, and return its stdout.

    The command runs in its own process group, so that a timeout kills every
    process that it started. Its stdout and stderr go to files under `logs`.
    """
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{run.document} {run.label}").strip("-")
    stdout_file = logs / f"{stem}.stdout"
    stderr_file = logs / f"{stem}.stderr"
    usage_file = logs / f"{stem}.time"
    command = run.command
    if GNU_TIME.exists():
        # %e elapsed s, %U user s, %S system s, %M peak resident KiB, %x status.
        fields = "%e %U %S %M %x"
        command = [str(GNU_TIME), "-o", str(usage_file), "-f", fields, *command]

    with stdout_file.open("wb") as stdout, stderr_file.open("wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **(environment or {})},
            start_new_session=True,
        )
        status, usage = _wait_with_usage(process, timeout)
        run.wall = time.perf_counter() - start

    if GNU_TIME.exists() and status is not None:
        # A command killed by a signal gets a line of its own before the fields.
        last = usage_file.read_text(encoding="utf-8").strip().splitlines()[-1]
        elapsed, user, system, peak, exit_status = last.split()
        run.wall = float(elapsed)
        run.cpu = float(user) + float(system)
        run.peak_kib = int(peak)
        status = int(exit_status)
    else:
        run.cpu = usage.ru_utime + usage.ru_stime
        run.peak_kib = usage.ru_maxrss  # KiB on Linux

    if status is None:
        run.status = "timed out"
        run.message = f"still running after {timeout:.0f} s, so it was killed"
    elif status != 0:
        run.status = "failed"
        run.message = f"exit status {status}: " + _last_lines(stdout_file, stderr_file)
    return stdout_file.read_text(encoding="utf-8", errors="replace")


def _last_lines(*files: Path, count: int = 3) -> str:
    """Return the last non-blank lines of some logs, without boxed banners."""
    lines = []
    for file in files:
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            text = line.strip()
            # Redocly CLI draws its notices in a box of these characters.
            if text and not text.startswith(("║", "╔", "╚")):
                lines.append(text)
    return " / ".join(lines[-count:])


def install_redocly(cache: Path, version: str) -> tuple[Path | None, str]:
    """Install Redocly CLI into `cache` unless it is there; return its program.

    Returns None and the reason when npm is missing or the install fails.
    """
    prefix = cache / f"redocly-cli-{version}"
    program = prefix / "node_modules" / ".bin" / "redocly"
    if program.exists():
        return program, ""
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed"

    prefix.mkdir(parents=True, exist_ok=True)
    progress(f"installing @redocly/cli@{version} into {prefix}")
    command = [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit"]
    command += ["--no-fund", "--loglevel=error", f"@redocly/cli@{version}"]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=600, check=False
        )
    except subprocess.TimeoutExpired:
        return None, "npm install timed out after 600 s"
    if completed.returncode != 0 or not program.exists():
        return None, f"npm install failed: {completed.stderr.strip()[-500:]}"
    return program, ""


def network_sandbox() -> list[str]:
    """Return `unshare --net` where it can start a program without a network."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    try:
        completed = subprocess.run(
            [unshare, "--net", "true"], capture_output=True, timeout=10, check=False
        )
    except subprocess.TimeoutExpired:
        return []
    return [unshare, "--net"] if completed.returncode == 0 else []


def _version_of(command: list[str]) -> str:
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, **REDOCLY_ENVIRONMENT},
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    return lines[0].strip() if lines else "unknown"


def machine_lines(redocly_version: str) -> list[str]:
    """Describe the CPU, memory, OS and the versions of every tool measured."""
    import nanogen

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

    # GIT_OPTIONAL_LOCKS=0 stops git from rewriting the index while it reads.
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    commit = subprocess.run(
        ["git", "-C", str(REPOSITORY), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "-C", str(REPOSITORY), "diff", "--quiet", "HEAD", "--", "nanogen"],
        capture_output=True,
        env=environment,
        check=False,
    ).returncode
    source = f"commit {commit or 'unknown'}"
    if changed:
        source += " with uncommitted changes to nanogen"

    node = shutil.which("node")
    yaml_parser = "libyaml" if FastLoader is not yaml.SafeLoader else "pure Python"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- memory: {memory}",
        f"- OS: {system}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        f"- nanogen {nanogen.__version__}, {source}",
        f"- PyYAML {yaml.__version__} with {yaml_parser}",
        f"- node: {_version_of([node, '--version']) if node else 'not installed'}",
        f"- Redocly CLI: {redocly_version}",
        f"- peak memory and CPU time from: "
        f"{'GNU time' if GNU_TIME.exists() else 'os.wait4'}",
    ]


def cpu_pressure() -> str:
    """Return the share of the last minute in which some task waited for a CPU."""
    try:
        text = Path("/proc/pressure/cpu").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for part in text.split():
        if part.startswith("avg60="):
            return part.removeprefix("avg60=") + "%"
    return "unknown"


def fresh_folder(path: Path) -> Path:
    """Return `path` as an empty folder, removing what it contained."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def depth_label(depth: int | None) -> str:
    return "lossless" if depth is None else f"--max-depth {depth}"


def nanogen_command(
    source: Path, output: Path, depth: int | None, *, specs_only: bool
) -> list[str]:
    """Build the `nanogen split` command line, with the size report as JSON."""
    command = [sys.executable, "-m", "nanogen", "split", str(source), "-o", str(output)]
    command += ["--report", "json"]
    if specs_only:
        command.append("--specs-only")
    if depth is not None:
        command += ["--max-depth", str(depth)]
    return command


@dataclass
class Settings:
    """The folders, time limit and Redocly command that every measurement shares."""

    scratch: Path
    logs: Path
    timeout: float
    redocly: list[str] | None
    redocly_problem: str


def measure_document(document: Document, source: Path, settings: Settings) -> list[Run]:
    """Measure the floor, nanogen's splits and Redocly's split of one document."""
    runs: list[Run] = []
    output = settings.scratch / "output"

    def measure(run: Run, environment: dict[str, str] | None = None) -> str:
        fresh_folder(output)
        progress(f"{document.name}: {run.label} ...")
        stdout = run_measured(
            run,
            cwd=settings.scratch,
            logs=settings.logs,
            timeout=settings.timeout,
            environment=environment,
        )
        run.files, run.bytes = folder_size(output)
        shutil.rmtree(output)
        progress(
            f"  {run.status}, {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, "
            f"{run.peak_kib / 1024:.0f} MiB peak {run.message}"
        )
        runs.append(run)
        return stdout

    floor = Run(document.name, "floor", [sys.executable, str(SCRIPT), "--worker"])
    floor.command += ["floor", "--source", str(source), "--output", str(output)]
    stdout = measure(floor)
    if floor.status == "ok":
        floor.details = json.loads(stdout)

    for specs_only in (True, False):
        for depth in document.depths:
            kind = "specs only" if specs_only else "full"
            command = nanogen_command(source, output, depth, specs_only=specs_only)
            run = Run(document.name, f"nanogen {kind}, {depth_label(depth)}", command)
            stdout = measure(run)
            if run.status == "ok":
                run.details = json.loads(stdout)

    if settings.redocly is None:
        runs.append(
            Run(document.name, "Redocly split", [], "skipped", settings.redocly_problem)
        )
    else:
        command = [*settings.redocly, "split", str(source), "--outDir", str(output)]
        measure(Run(document.name, "Redocly split", command), REDOCLY_ENVIRONMENT)
    return runs


def measure_stages(
    document: Document, source: Path, depth: int | None, settings: Settings
) -> Run:
    """Run the stage worker on one document and return its timings."""
    output = fresh_folder(settings.scratch / "output")
    command = [sys.executable, str(SCRIPT), "--worker", "stages"]
    command += ["--source", str(source), "--output", str(output)]
    if depth is not None:
        command += ["--max-depth", str(depth)]
    run = Run(document.name, f"stages, {depth_label(depth)}", command)
    progress(f"{document.name}: {run.label} ...")
    stdout = run_measured(
        run, cwd=settings.scratch, logs=settings.logs, timeout=settings.timeout
    )
    shutil.rmtree(output)
    if run.status == "ok":
        run.details = json.loads(stdout)
    return run


# Printing


def _ratio(top: Run, bottom: Run | None) -> str:
    if bottom is None or bottom.status != "ok" or top.status != "ok":
        return "n/a"
    return f"{_times(top.wall / bottom.wall)} / {_times(top.cpu / bottom.cpu)}"


def _times(ratio: float) -> str:
    """Format a ratio with two significant digits, as in `0.21x` or `9.6x`."""
    if ratio >= 10:
        return f"{ratio:.0f}x"
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def _median_document(run: Run) -> str:
    median = run.details.get("documents", {}).get("median")
    if not median:
        return ""
    return f"{median['bytes']:,} ({median['percent_of_monolith']:.2f}%)"


def print_runs(runs: list[Run]) -> None:
    """Print the results table: one row per command, ratios against the floor."""
    print(
        "\n| document | command | wall s | CPU s | peak MiB | files | bytes written "
        "| median document | ÷ floor (wall / CPU) | ÷ Redocly (wall / CPU) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        floor = next(
            (r for r in runs if r.document == run.document and r.label == "floor"), None
        )
        redocly = next(
            (
                r
                for r in runs
                if r.document == run.document and r.label == "Redocly split"
            ),
            None,
        )
        if run.status != "ok":
            print(
                f"| {run.document} | {run.label} | {run.status}: {run.message} "
                "| | | | | | | |"
            )
            continue
        is_nanogen = run.label.startswith("nanogen")
        print(
            f"| {run.document} | {run.label} | {run.wall:.1f} | {run.cpu:.1f} "
            f"| {run.peak_kib / 1024:,.0f} | {run.files:,} | {run.bytes:,} "
            f"| {_median_document(run)} "
            f"| {_ratio(run, floor) if is_nanogen else ''} "
            f"| {_ratio(run, redocly) if is_nanogen else ''} |"
        )

    print("\nthe floor's own timing, inside its process:\n")
    for run in runs:
        if run.label == "floor" and run.details:
            print(
                f"- {run.document}: load {run.details['load']:.2f} s, "
                f"dump {run.details['dump']:.2f} s"
            )


STAGE_ROWS = (
    ("bundle", "read and bundle the input (`bundle_document`)"),
    ("convert", "convert Swagger 2.0 (`convert_swagger2`)"),
    ("repair", "validate and mend the input (`repair_document`)"),
    ("slice", "`slice_document`, all of it"),
    ("graph", "of which: build the component reference graph"),
    ("closures", "of which: strongly connected groups and their closures"),
    ("unions", "of which: each operation's union of closures"),
    ("depths", "of which: depth search for `--max-depth`"),
    ("collect", "of which: find the `$ref`s of components and operations"),
    ("dump", "of which: dump YAML pieces"),
    ("validate sample", "validate a sample of the split documents"),
    ("join", "join each document's text from its pieces"),
    ("decompose", "build each nanoservice spec"),
    ("plan", "plan the write (compare with the disk)"),
    ("write", "write the files"),
)


def print_stages(stage_runs: list[Run]) -> None:
    """Print one column of stage times per stage-worker run."""
    finished = [run for run in stage_runs if run.status == "ok"]
    for run in stage_runs:
        if run.status != "ok":
            print(f"\n{run.document}, {run.label}: {run.status}: {run.message}")
    if not finished:
        return

    header = " | ".join(f"{run.document}, {run.label}" for run in finished)
    print(f"\n| stage of `pipeline.split(specs_only=True)`, wall s | {header} |")
    print("|---|" + "---:|" * len(finished))
    for key, label in STAGE_ROWS:
        cells = []
        for run in finished:
            stages = run.details["stages"]
            if key in run.details["missing"]:
                cells.append("not found")
            elif key in stages:
                seconds, calls = stages[key]
                cells.append(
                    f"{seconds:.3f}" + (f" ({calls} calls)" if calls > 1 else "")
                )
            else:
                cells.append("not called")
        print(f"| {label} | " + " | ".join(cells) + " |")
    totals = [f"{run.details['wall']:.2f}" for run in finished]
    print("| the whole call | " + " | ".join(totals) + " |")
    cpu = [f"{run.details['cpu']:.2f}" for run in finished]
    print("| the whole call, CPU s | " + " | ".join(cpu) + " |")
    peaks = [f"{run.peak_kib / 1024:,.0f}" for run in finished]
    print("| the worker's peak memory, MiB | " + " | ".join(peaks) + " |")


def print_commands(runs: list[Run], settings: Settings) -> None:
    """Print one exact command of each kind, with the scratch paths in it."""
    print("\ncommands (OUT is an empty folder, created fresh for every run):\n")
    seen = set()
    for run in runs:
        if not run.command or run.label in seen:
            continue
        seen.add(run.label)
        text = " ".join(run.command).replace(str(settings.scratch / "output"), "OUT")
        if run.label == "Redocly split":
            variables = " ".join(f"{k}={v}" for k, v in REDOCLY_ENVIRONMENT.items())
            text = f"{variables} {text}"
        print(f"- {run.label}: `{text}`")


def benchmark(arguments: argparse.Namespace) -> None:
    """Measure every document, then print the machine and the results."""
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()[0]
    pressure_before = cpu_pressure()
    corpus: Path = arguments.corpus.resolve()
    documents = [d for d in DOCUMENTS if d.name.lower() in arguments.documents]
    for document in documents:
        if not (corpus / document.path).is_file():
            sys.exit(f"{corpus / document.path} not found; set --corpus")

    redocly: list[str] | None = None
    redocly_problem = "skipped with --skip-redocly"
    redocly_version = "not measured"
    if not arguments.skip_redocly:
        program, redocly_problem = install_redocly(arguments.cache, arguments.redocly)
        if program is not None:
            redocly = [*network_sandbox(), str(program)]
            redocly_version = _version_of([str(program), "--version"])

    with tempfile.TemporaryDirectory(
        prefix="nanogen-bench-split-", dir=arguments.scratch
    ) as scratch:
        folder = Path(scratch).resolve()
        settings = Settings(
            folder,
            fresh_folder(folder / "logs"),
            arguments.timeout,
            redocly,
            redocly_problem,
        )
        runs: list[Run] = []
        stage_runs: list[Run] = []
        for document in documents:
            source = corpus / document.path
            runs += measure_document(document, source, settings)
            for depth in document.depths:
                stage_runs.append(measure_stages(document, source, depth, settings))
        if arguments.keep_logs is not None:
            shutil.copytree(settings.logs, arguments.keep_logs, dirs_exist_ok=True)
        elapsed = datetime.datetime.now(datetime.timezone.utc) - started

        print(f"date: {started:%Y-%m-%d %H:%M} UTC, {elapsed.seconds} s in all")
        print(
            f"load average (1 min): {load_before:.2f} before, "
            f"{os.getloadavg()[0]:.2f} after; CPU pressure (some, 60 s): "
            f"{pressure_before} before, {cpu_pressure()} after\n"
        )
        print("\n".join(machine_lines(redocly_version)))
        print_commands(runs, settings)
        print_runs(runs)
        print_stages(stage_runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=REPOSITORY.parent / "shared" / "corpus",
        help="Folder of the corpus documents. Default: ../shared/corpus beside "
        "the repository.",
    )
    parser.add_argument(
        "--documents",
        nargs="+",
        choices=[document.name.lower() for document in DOCUMENTS],
        default=[document.name.lower() for document in DOCUMENTS],
        help="Documents to measure. Default: all.",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="Seconds after which a command is killed and recorded as not "
        "finished. Default: 600.",
    )
    parser.add_argument(
        "--scratch",
        type=Path,
        default=None,
        help="Folder for the output folders and logs. Default: the system temp "
        "folder. A lossless full split of Stripe writes about 1.3 GB.",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "nanogen-bench-cache",
        help="Folder that npm installs Redocly CLI into, kept between runs.",
    )
    parser.add_argument(
        "--redocly",
        default=REDOCLY_VERSION,
        metavar="VERSION",
        help=f"Version of @redocly/cli to install. Default: {REDOCLY_VERSION}.",
    )
    parser.add_argument(
        "--skip-redocly", action="store_true", help="Do not install or run Redocly CLI."
    )
    parser.add_argument(
        "--keep-logs",
        type=Path,
        default=None,
        metavar="DIR",
        help="Copy every command's stdout, stderr and GNU time output to DIR.",
    )
    # The worker options are for the fresh processes that this script starts.
    parser.add_argument("--worker", choices=("floor", "stages"), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--max-depth", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.worker == "floor":
        worker_floor(arguments.source, arguments.output)
    elif arguments.worker == "stages":
        worker_stages(arguments.source, arguments.output, arguments.max_depth)
    else:
        benchmark(arguments)


if __name__ == "__main__":
    main()
