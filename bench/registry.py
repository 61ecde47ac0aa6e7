"""The benchmarks `manage.py bench` knows, and where their figures go.

A benchmark is a function `(scale, log) -> {name: number}` registered with `@benchmark("name")` in one of
BENCHMARK_MODULES. Its figures are written to `bench/results/NAME-SCALE.json` as one flat JSON object of named
numbers (seconds, ratios, MB, rows), so runs can be compared by a script or by eye.
"""

import json
import math
import os
from importlib import import_module
from pathlib import Path

from django.conf import settings

SCALES = ("ci", "national")
RESULTS_DIR = Path(settings.BASE_DIR) / "bench" / "results"

# Adding a benchmark: write a module with a function decorated by @benchmark and list the module here.
BENCHMARK_MODULES = [
    "bench.api_bench",
    "bench.api_smoke",
    "bench.costs_bench",
    "bench.eindex_bench",
    "bench.import_bench",
    "bench.vpvkac_bench",
]

_registered = {}


class BenchmarkError(Exception):
    """A benchmark cannot run (missing service, failed requests, ...); the message says why."""


def benchmark(name):
    def register(function):
        _registered[name] = function
        return function

    return register


def benchmarks():
    """Every registered benchmark by name, in name order."""
    for module in BENCHMARK_MODULES:
        import_module(module)
    return dict(sorted(_registered.items()))


def check_figures(name, figures):
    if not isinstance(figures, dict) or not figures:
        raise BenchmarkError(f"{name} returned no figures")
    for key, value in figures.items():
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BenchmarkError(f"{name}: figure {key!r} is not a named number: {value!r}")
        if not math.isfinite(value):
            raise BenchmarkError(f"{name}: figure {key!r} is not finite: {value!r}")


def write_results(name, scale, figures, results_dir=None):
    """Write the figures to NAME-SCALE.json in `results_dir` (bench/results by default); returns the path."""
    directory = Path(results_dir or RESULTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{scale}.json"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # a reader never sees half a file
    return path


def run(name, scale, results_dir=None, log=print):
    """Run one benchmark at `scale`, check and write its figures; returns (figures, path)."""
    if scale not in SCALES:
        raise BenchmarkError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    available = benchmarks()
    if name not in available:
        raise BenchmarkError(f"unknown benchmark {name!r}; choose one of {', '.join(available)}")
    figures = available[name](scale, log)
    check_figures(name, figures)
    return figures, write_results(name, scale, figures, results_dir)
