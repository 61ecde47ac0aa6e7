from django.core.management.base import BaseCommand, CommandError

from services.models import RecomputationKind
from vpvkac import network
from vpvkac.models import ReportingPeriod


class Command(BaseCommand):
    help = (
        "Recompute the stored VPVKAC network results (cost per service, bands, screening, hourly visits): in full "
        "(default), or for one municipality in one period. With --queue the job goes to the Celery worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", type=int, help="Municipality id: recompute only its centres …")
        parser.add_argument("--period", help="… in this reporting period (its code).")
        parser.add_argument("--queue", action="store_true", help="Queue a full recomputation for the worker.")

    def handle(self, *args, municipality=None, period=None, queue=False, **options):
        if queue:
            job = network.request_full(reason="manage.py recompute_network")
            self.stdout.write(f"queued full recomputation #{job.pk}")
            return
        if (municipality is None) != (period is None):
            raise CommandError("give both --municipality and --period, or neither")

        def progress(done, total):
            if total:
                self.stdout.write(f"  {done}/{total}")

        if municipality is None:
            outcome = network.recompute(RecomputationKind.FULL, progress=progress)
        else:
            try:
                period_id = ReportingPeriod.objects.get(code=period).pk
            except ReportingPeriod.DoesNotExist:
                raise CommandError(f"no reporting period {period!r}") from None
            outcome = network.recompute(RecomputationKind.INCREMENTAL, [(municipality, period_id)], progress=progress)
        self.stdout.write(f"network results written: {outcome.rows_written} ({len(outcome.periods)} periods)")
