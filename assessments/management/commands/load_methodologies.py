from django.core.management.base import BaseCommand, CommandError

from assessments.methodologies import load_methodologies
from institutions.resources import ImportRejected


class Command(BaseCommand):
    help = (
        "Load the reference methodologies (assessments/reference/*.json): the E-index 2021 reconstructions and "
        "the PVPP2027 conformity assessment. Idempotent; a frozen version is never changed."
    )

    def handle(self, *args, **options):
        try:
            counts = load_methodologies()
        except ImportRejected as rejected:
            raise CommandError("Methodologies rejected, nothing saved:\n  " + "\n  ".join(rejected.errors)) from None
        described = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "nothing"
        self.stdout.write(f"methodologies: {described}")
