"""Prepare a benchmark's scratch database, in a process of its own:

    DATABASE_URL=postgres://.../NAME_bench python -m bench.prepare INSTITUTIONS

migrates the database DATABASE_URL names, loads the synthetic registry (bench/dataset.py) and prints
`{"token": ...}`, the API token of the coordinator it creates. It refuses any database that does not carry the
scratch marker, so it cannot fill a real database with benchmark rows.
"""

import json
import os
import sys


def main(argv):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from .dataset import seed_registry
    from .scratch import is_scratch_database

    (institutions,) = argv
    with connection.cursor() as cursor:
        if not is_scratch_database(cursor, connection.settings_dict["NAME"]):
            sys.exit(f"{connection.settings_dict['NAME']} is not a bench scratch database; nothing was changed")
    call_command("migrate", interactive=False, verbosity=0)
    token = seed_registry("default", int(institutions))
    print(json.dumps({"token": token}))


if __name__ == "__main__":
    main(sys.argv[1:])
