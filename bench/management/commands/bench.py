import json
import sys

from django.core.management.base import BaseCommand, CommandError

from bench.registry import SCALES, BenchmarkError, benchmarks, run


class Command(BaseCommand):
    help = "Run a benchmark (or `all`) and write its figures to bench/results/NAME-SCALE.json."

    def add_arguments(self, parser):
        parser.add_argument("name", choices=[*benchmarks(), "all"], help="benchmark to run, or `all`")
        parser.add_argument("--scale", choices=SCALES, default="ci", help="data and load size (default: ci)")
        parser.add_argument("--results-dir", default=None, help="where to write the JSON (default: bench/results)")

    def handle(self, name, scale, results_dir, **options):
        names = list(benchmarks()) if name == "all" else [name]

        def log(message):
            self.stderr.write(message)
            sys.stderr.flush()

        for benchmark_name in names:
            log(f"bench {benchmark_name} --scale {scale}")
            try:
                figures, path = run(benchmark_name, scale, results_dir=results_dir, log=log)
            except BenchmarkError as error:
                raise CommandError(f"bench {benchmark_name}: {error}") from error
            self.stdout.write(json.dumps(figures, indent=2, sort_keys=True))
            log(f"written to {path}")
