from django.core.management.base import BaseCommand

from services import costing
from services.models import RecomputationKind


class Command(BaseCommand):
    help = (
        "Recompute the stored cost figures of services: in full (default), or for one provider and year. "
        "With --queue the job goes to the Celery worker instead of running here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--provider", type=int, help="Institution id: recompute only this provider …")
        parser.add_argument("--year", type=int, help="… and this year (and the year after, for its change).")
        parser.add_argument("--queue", action="store_true", help="Queue a full recomputation for the worker.")

    def handle(self, *args, provider=None, year=None, queue=False, **options):
        if queue:
            job = costing.request_full(reason="manage.py recompute_costs")
            self.stdout.write(f"queued full recomputation #{job.pk}")
            return
        if (provider is None) != (year is None):
            self.stderr.write("give both --provider and --year, or neither")
            raise SystemExit(2)

        def progress(done, total):
            if total:
                self.stdout.write(f"  {done}/{total}")

        if provider is None:
            outcome = costing.recompute(RecomputationKind.FULL, progress=progress)
        else:
            outcome = costing.recompute(RecomputationKind.INCREMENTAL, [(provider, year)], progress=progress)
        years = ", ".join(str(year) for year in outcome.years) or "-"
        self.stdout.write(f"cost figures written: {outcome.rows_written} (years {years})")
