# Two commands for a newcomer: `make demo` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests run on DATABASE_URL when it is set (CI sets it), else on the local PostgreSQL when it
# answers, else on SQLite. pytest-django creates and drops its own test_<name> database.
PG_URL ?= postgres://postgres@127.0.0.1:5432/pakalpojumi
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),$(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo $(PG_URL) || echo sqlite:///test.sqlite3))
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: venv install demo test serve bench lock messages compilemessages migrate reference check

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==25.2
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $@

venv install: $(VENV)/.installed

# Django's compilemessages needs GNU gettext's msgfmt. Without it, config/compile_translations.py
# writes the same .mo files in pure Python, so a laptop needs no system gettext. locale/ may be
# missing or empty (Django's command refuses to run without any locale directory, hence mkdir).
compilemessages: install
	@mkdir -p locale
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=staticfiles --verbosity 0; \
	else \
		echo "msgfmt not found: compiling translations with config/compile_translations.py"; \
		$(PY) -m config.compile_translations; \
	fi

messages: install
	$(PY) manage.py makemessages -l lv -l en --ignore=.venv --ignore=staticfiles --ignore=tests --no-obsolete

migrate: install
	$(PY) manage.py migrate --noinput

reference: migrate
	$(PY) manage.py load_reference_data

demo: compilemessages migrate
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo_data
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  The platform runs at http://$(HOST):$(PORT)/  (English: http://$(HOST):$(PORT)/en/)"
	@$(PY) manage.py load_demo_data --print-logins
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: compilemessages
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)

# Production-style: gunicorn, a Celery worker and beat against DATABASE_URL and REDIS_URL.
# The worker and beat stop when gunicorn does (Ctrl-C stops all three).
serve: compilemessages
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL and REDIS_URL for make serve (see README.md)"; exit 1; }
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL for make serve: the worker and beat need a real broker"; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(VENV)/bin/celery -A config worker --loglevel=INFO & worker=$$!; \
	$(VENV)/bin/celery -A config beat --loglevel=INFO & beat=$$!; \
	trap 'kill $$worker $$beat 2>/dev/null || true' EXIT INT TERM; \
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

bench: install
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) manage.py bench all --scale ci

check: install
	$(PY) manage.py check
	DJANGO_ENV=production SECRET_KEY=check-only-$$(date +%s)-a-long-random-looking-value-for-the-check ALLOWED_HOSTS=example.lv $(PY) manage.py check --deploy --fail-level WARNING

lock: install
	$(PIP) freeze --exclude-editable > constraints.txt
