"""Settings come from the environment: each case starts a fresh Python with its own variables."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Variables that would leak the caller's configuration into the child process.
CONFIG_VARIABLES = {
    "DJANGO_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "EMAIL_HOST",
    "EMAIL_BACKEND",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
}
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "test-only-" + "k7Qz9pLm2Xv8Rt4Wn6Yb3Hc5Jd1Fg0Sa" * 2,
    "ALLOWED_HOSTS": "pakalpojumi.example.lv",
}
CELERY_CONFIGURATION = (
    "import json, django; django.setup(); from config.celery import app; "
    "print(json.dumps({'eager': app.conf.task_always_eager, 'broker': app.conf.broker_url, "
    "'backend': app.conf.result_backend}))"
)


def run_python(*args, **variables):
    environment = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", PYTHONDONTWRITEBYTECODE="1", **variables)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_production_mode_passes_check_deploy_without_a_warning():
    completed = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_mode_turns_debug_off_and_cookies_secure():
    completed = run_python(
        "-c",
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT]))",
        **PRODUCTION,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == [False, True, True, True]


def test_production_mode_without_secret_key_refuses_to_start():
    variables = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    completed = run_python("manage.py", "check", **variables)
    assert completed.returncode != 0
    assert "SECRET_KEY must be set in production" in completed.stderr


def test_without_redis_url_celery_runs_tasks_in_process():
    completed = run_python("-c", CELERY_CONFIGURATION)
    assert completed.returncode == 0, completed.stderr
    celery = json.loads(completed.stdout.strip().splitlines()[-1])
    assert celery == {"eager": True, "broker": "memory://", "backend": "cache+memory://"}


def test_with_redis_url_celery_uses_it_as_broker_and_result_backend():
    redis_url = "redis://127.0.0.1:6379/3"
    # Reading the configuration opens no connection, so no Redis server is needed here.
    completed = run_python("-c", CELERY_CONFIGURATION, REDIS_URL=redis_url)
    assert completed.returncode == 0, completed.stderr
    celery = json.loads(completed.stdout.strip().splitlines()[-1])
    assert celery == {"eager": False, "broker": redis_url, "backend": redis_url}


def test_postgresql_connections_do_not_compile_queries(postgres):
    # A scoped list's query is estimated far above jit_above_cost; compiling it cost 10-15 ms a request.
    with postgres.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
