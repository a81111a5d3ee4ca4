# scenic-ops: the two commands. SCENIC_SITE picks the site (default: sites/default).
.PHONY: run test lint bench setup-run setup-test
PYDIRS := $(wildcard apps tests bench patches scripts)

run: setup-run
	bash scripts/start.sh

test: setup-test
	.venv/bin/ruff check $(PYDIRS)
	.venv/bin/ruff format --check $(PYDIRS)
	PYTHONPATH=apps .venv/bin/lint-imports --no-cache
	.venv/bin/python manage.py makemigrations --check --dry-run -v 0
	SCENIC_TESTING=1 .venv/bin/pytest

setup-run:
	bash scripts/setup.sh run

setup-test:
	bash scripts/setup.sh test

lint:
	.venv/bin/ruff check $(PYDIRS) && .venv/bin/ruff format --check $(PYDIRS)
	PYTHONPATH=apps .venv/bin/lint-imports --no-cache

bench: setup-test
	.venv/bin/python bench/booking.py --quick
