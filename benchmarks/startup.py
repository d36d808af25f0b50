"""What a small command costs as a process: CPU seconds of a no-change ``readout run`` and of a ``readout search``.

Serves the bundled fixture sites on loopback (as ``readout demo`` does), fills a fresh data folder per
checkout with one ``readout run``, then alternates the checkouts, ``--repeat`` times each: a no-change
``readout run`` (every feed and page answers 304 or is known) and a ``readout search`` on the embedded
index, each with bytecode cached (compiled by the filling run into a private ``PYTHONPYCACHEPREFIX``) and
with none (``PYTHONDONTWRITEBYTECODE``: every module compiled from source, as in a fresh container). CPU is
the child's user + system time (``getrusage(RUSAGE_CHILDREN)``). Give a second checkout (``--checkout``,
e.g. a worktree of main with its own ``.venv``) to compare side by side in one run: the machine's load is
then the same for both.

    python benchmarks/startup.py [--checkout PATH ...] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.devsite import serve_sites  # noqa: E402


@dataclass
class Checkout:
    """One tree to measure, with its own virtual environment and data folder."""

    root: Path
    data: Path
    samples: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    @property
    def readout(self) -> str:
        return str(self.root / ".venv" / "bin" / "readout")


def measure(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """CPU seconds (user + system) and wall seconds of one child process, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    code = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, code


def environment(sources: Path, data: Path, pycache: Path | None) -> dict[str, str]:
    """The demo's settings, as environment variables, and nothing of the caller's READOUT_* ones. With
    ``pycache``, bytecode is written there and read back (as an installed package's would be); without,
    every module is compiled from source each time (``PYTHONDONTWRITEBYTECODE``, as in a fresh container)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("READOUT_", "PYTHONPYCACHE"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(
        READOUT_SOURCES=str(sources),
        READOUT_DATA_DIR=str(data),
        READOUT_ALLOW_PRIVATE_HOSTS="127.0.0.1",
        READOUT_MIN_DELAY="0",
        READOUT_MAX_CRAWL_DELAY="0",
        READOUT_BACKOFF_BASE="0.1",
    )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--checkout", type=Path, action="append", default=[], help="another checkout to compare (repeatable)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="measurements per command and checkout (default 5)")
    parser.add_argument("--query", default="sanctions", help="the search to time (default: sanctions)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, serve_sites() as farm:
        work = Path(tmp)
        sources = work / "sources.yaml"
        sources.write_text(farm.rewrite((REPO / "config" / "sources.yaml").read_text("utf-8")), "utf-8")
        trees = [Checkout(root.resolve(), work / f"data-{n}") for n, root in enumerate([*args.checkout, REPO], start=1)]
        commands = {
            "python -c pass": lambda tree: [str(tree.root / ".venv" / "bin" / "python"), "-c", "pass"],
            "readout run (no change)": lambda tree: [tree.readout, "run"],
            f"readout search {args.query}": lambda tree: [tree.readout, "search", args.query, "--limit", "5"],
        }
        caches = {tree.root: work / f"pycache-{n}" for n, tree in enumerate(trees)}
        for tree in trees:  # fills the catalog and index, and compiles the bytecode of the cached mode
            _, _, code = measure([tree.readout, "run"], environment(sources, tree.data, caches[tree.root]), work)
            if code != 0:
                failures.append(f"{tree.root}: the filling run exited {code}")
            search = commands[f"readout search {args.query}"](tree)
            measure(search, environment(sources, tree.data, caches[tree.root]), work)  # its modules' bytecode
        for _ in range(args.repeat):
            for name, command in commands.items():
                for cached in (True, False):
                    label = f"{name} [{'bytecode cached' if cached else 'no bytecode cache'}]"
                    for tree in trees:
                        env = environment(sources, tree.data, caches[tree.root] if cached else None)
                        cpu, wall, code = measure(command(tree), env, work)
                        tree.samples.setdefault(label, []).append((cpu, wall))
                        if code != 0:
                            failures.append(f"{tree.root}: {label} exited {code}")
    result: dict[str, object] = {
        "repeat": args.repeat,
        "checkouts": {
            str(tree.root): {
                name: {
                    "cpu_seconds_median": round(statistics.median(cpu for cpu, _ in samples), 3),
                    "wall_seconds_median": round(statistics.median(wall for _, wall in samples), 3),
                }
                for name, samples in tree.samples.items()
            }
            for tree in trees
        },
        "failures": failures,
    }
    if len(trees) > 1:
        base, last = trees[0], trees[-1]
        result["cpu_ratio_last_to_first"] = {
            name: round(
                statistics.median(cpu for cpu, _ in last.samples[name])
                / statistics.median(cpu for cpu, _ in base.samples[name]),
                3,
            )
            for name in trees[0].samples
        }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Process cost of small commands (median of {args.repeat}; fixture sites on loopback)")
        for tree in trees:
            print(f"  {tree.root}")
            for name, samples in tree.samples.items():
                cpu = statistics.median(cpu for cpu, _ in samples)
                wall = statistics.median(wall for _, wall in samples)
                print(f"    {name:<52} cpu {cpu:6.2f} s   wall {wall:6.2f} s")
        if "cpu_ratio_last_to_first" in result:
            print(f"  CPU ratio, {trees[-1].root} / {trees[0].root}: {result['cpu_ratio_last_to_first']}")
        for failure in failures:
            print(f"  FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
