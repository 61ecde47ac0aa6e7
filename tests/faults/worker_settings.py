"""The settings of the Celery worker processes the fault tests start: the project's, with Redis's visibility
timeout (how long a taken, unacknowledged message waits before Redis hands it to another worker) shortened from
an hour to FAULTS_VISIBILITY_TIMEOUT seconds, so a killed worker's job comes back within the test."""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("FAULTS_VISIBILITY_TIMEOUT", "3600")),
}
