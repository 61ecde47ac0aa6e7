# The platform's image: the web application (gunicorn, the default command), and with another command
# the Celery worker or beat (see docker-compose.yml). Configured entirely by environment variables
# (README.md, "Configuration"); DJANGO_ENV=production is the default here.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_ENV=production \
    WEB_CONCURRENCY=3

# One system package: DejaVu fonts, so PDF exports print Latvian letters (psycopg ships its own libpq, and
# translations compile in pure Python).
RUN apt-get update -q && apt-get install -y -q --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && python -m venv "$VIRTUAL_ENV" \
    && pip install pip==25.2

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the pins change. The project installs no
# packages of its own (pyproject.toml: packages = []), so these two files are enough; no dev extras.
COPY pyproject.toml constraints.txt ./
RUN pip install -c constraints.txt . && rm -rf build *.egg-info

COPY . .

# Translations and static files are built into the image. Settings refuse to load in production without
# a SECRET_KEY, so a throwaway one is given to these two commands only; the real one comes at run time.
RUN python -m config.compile_translations \
    && SECRET_KEY=build-only-not-used-at-run-time ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media \
    && chown app:app /app/media

USER app

EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY for its number of worker processes.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
