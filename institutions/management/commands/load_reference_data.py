from django.core.management.base import BaseCommand, CommandError

from institutions.reference_data import load_reference_data
from institutions.resources import ImportRejected


class Command(BaseCommand):
    help = "Load the real reference data (planning regions, municipalities, Table 1 groups, institutions). Idempotent."

    def handle(self, *args, **options):
        try:
            summary = load_reference_data()
        except ImportRejected as rejected:
            raise CommandError("Reference data rejected, nothing saved:\n  " + "\n  ".join(rejected.errors)) from None
        for part, counts in summary.items():
            described = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "nothing"
            self.stdout.write(f"{part}: {described}")
