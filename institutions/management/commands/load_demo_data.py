from django.core.management.base import BaseCommand
from django.utils import translation

from assessments.demo_data import load_assessment_demo
from institutions.demo_data import demo_logins, load_demo_data
from services import costing
from services.demo_data import load_catalogue_demo
from transformation.demo_data import load_transformation_demo
from vpvkac.demo_data import load_vpvkac_demo, operator_centre
from workplans.demo_data import load_workplans_demo


class Command(BaseCommand):
    help = "Create the demo users (one per role) and demo figures. Idempotent. Run load_reference_data first."

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args, print_logins=False, **options):
        if not print_logins:
            summary = load_demo_data()
            summary.update(load_catalogue_demo())
            summary.update(load_assessment_demo())
            summary.update(load_workplans_demo())
            summary.update(load_vpvkac_demo())
            summary["cost figures computed"] = costing.recompute().rows_written
            # After the cost figures: the demo projects' measurements are pre-filled from them.
            summary.update(load_transformation_demo())
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in summary.items()))
            return
        with translation.override("en"):
            self.stdout.write("  Demo logins (user name / password):")
            for username, role, password in demo_logins():
                self.stdout.write(f"    {role:<22} {username:<14} {password}")
            centre = operator_centre()
            if centre is not None:
                self.stdout.write(f"    The centre operator works for the demo centre {centre.name}.")
