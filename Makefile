# The Keel template repository's own commands: test the template, preview it.
# Everything bootstraps from a fresh clone with the machine's python3: make creates
# .venv, installs the pinned uv into it, and uv installs the rest from uv.lock.

PYTHON      ?= python3
UV_VERSION  := 0.13.8
VENV        := $(CURDIR)/.venv
UV          := $(VENV)/bin/uv
PYTEST_ARGS ?=

# One uv cache for this repo, its tests' generated projects and the demo: each
# generated project installs from it instead of downloading again.
export UV_CACHE_DIR        ?= $(CURDIR)/.cache/uv
export UV_PYTHON           ?= $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS      := 1
# Some images set PYTHONDONTWRITEBYTECODE: then every Python process the tests start
# compiles each module it imports from source again. Let them cache bytecode.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install lint test snapshots locks demo docs bench lock clean distclean release tags

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)  ## Install the template's dev tools (copier, pytest) from uv.lock
	$(UV) sync --locked --quiet

lint: install  ## Lint, format-check and type-check the test harness (tests/)
	$(UV) run --no-sync ruff check tests scripts upgrades
	$(UV) run --no-sync ruff format --check tests scripts upgrades
	$(UV) run --no-sync mypy

test: install  ## Render every preset and run the generated projects' checks (uses 2 workers)
	$(UV) run --no-sync pytest -n auto $(PYTEST_ARGS)

snapshots: install  ## Regenerate template/openapi.json.jinja and permissions.json.jinja from the presets
	$(UV) run --no-sync python scripts/snapshots.py

locks: install  ## Re-lock locks/ (each variant's uv.lock) after editing template/pyproject.toml.jinja (LOCKS_ARGS=--upgrade)
	$(UV) run --no-sync python scripts/locks.py $(LOCKS_ARGS)

# Renders the working tree, uncommitted and untracked files included: Copier commits a
# dirty local repository's changes in its temporary clone, and `--vcs-ref HEAD` renders
# that commit (without it Copier renders the latest tag once one exists). The demo's
# .copier-answers.yml therefore records a throwaway commit: it is a preview, re-rendered
# from scratch each time, not a project to `copier update`.
DEMO_ADMIN    := admin@example.com
DEMO_PASSWORD := $(shell $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(15))')

demo: install  ## Render presets/standard.yml into ./demo and serve it on http://127.0.0.1:5000
	rm -rf demo
	$(UV) run --no-sync copier copy --trust --defaults --quiet --vcs-ref HEAD \
		--data-file presets/standard.yml $(CURDIR) demo
	cd demo && $(UV) sync --quiet && $(UV) run --no-sync flask db upgrade
	cd demo && printf '%s\n' '$(DEMO_PASSWORD)' | \
		$(UV) run --no-sync flask users create --email $(DEMO_ADMIN) --role admin
	@echo
	@echo "Keel demo rendered into ./demo; serving on http://127.0.0.1:5000 (Ctrl-C stops it)"
	@echo "  liveness:  http://127.0.0.1:5000/health/live"
	@echo "  API docs:  http://127.0.0.1:5000/docs   (Swagger UI, served offline)"
	@echo "  OpenAPI:   http://127.0.0.1:5000/openapi.json"
	@echo "  admin:     $(DEMO_ADMIN) / $(DEMO_PASSWORD)   (POST /api/v1/auth/login)"
	@echo
	$(MAKE) -C demo dev UV=$(UV)

docs: install  ## Serve the docs site (docs/, mkdocs.yml) on http://127.0.0.1:8000, rebuilt on save
	NO_MKDOCS_2_WARNING=1 $(UV) run --no-sync mkdocs serve

bench: install  ## Throughput of the standard preset under `make serve` vs plain Flask (BENCH_ARGS=--quick)
	$(UV) run --no-sync python bench/throughput.py $(BENCH_ARGS)

release: install tags  ## Cut a release: make release VERSION=x.y.z (CHANGELOG.md, releases.toml, tag)
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z"; exit 2; }
	$(UV) run --no-sync python scripts/release.py release $(VERSION)

tags: install  ## Recreate the git tags of the releases recorded in releases.toml
	$(UV) run --no-sync python scripts/release.py tags

lock:  $(UV)  ## Refresh uv.lock after editing pyproject.toml
	$(UV) lock

clean:  ## Remove the demo and test caches
	rm -rf demo .pytest_cache
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean  ## Also remove .venv and the uv cache
	rm -rf $(VENV) .cache
