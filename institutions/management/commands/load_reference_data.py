from django.core.management.base import BaseCommand, CommandError

from institutions.reference_data import load_reference_data
from institutions.resources import ImportRejected
from assessments.methodologies import load_methodologies
from services.reference_data import load_channels
from transformation.reference_data import load_transformation
from vpvkac.reference_data import load_vpvkac_history
from workplans.reference_data import load_workplans


class Command(BaseCommand):
    help = (
        "Load the real reference data (planning regions, municipalities, Table 1 groups, institutions, "
        "the channel code list). Idempotent."
    )

    def handle(self, *args, **options):
        try:
            summary = load_reference_data()
            summary["channels"] = load_channels()
            summary["methodologies"] = load_methodologies()
            summary["work plans"] = load_workplans()
            for part, counts in load_vpvkac_history().items():
                summary[f"VPVKAC 2017–2018: {part}"] = counts
            for part, counts in load_transformation().items():
                summary[f"transformation: {part}"] = counts
        except ImportRejected as rejected:
            raise CommandError("Reference data rejected, nothing saved:\n  " + "\n  ".join(rejected.errors)) from None
        for part, counts in summary.items():
            described = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "nothing"
            self.stdout.write(f"{part}: {described}")
