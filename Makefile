# policygen-batch — every target creates the environment it needs, so each works alone on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PY     := $(BIN)/python

.DEFAULT_GOAL := help
.PHONY: help install test check lint types demo bench sample clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the package (editable) and its dev tools

test: $(STAMP)  ## run the test suite
	$(BIN)/pytest -q

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check policygen_batch tests benchmarks
	$(BIN)/ruff format --check policygen_batch tests benchmarks

types: $(STAMP)  ## mypy --strict
	$(BIN)/mypy

check: lint types test  ## lint, types and tests

demo: $(STAMP)  ## run the whole job on sample_logs/ into demo-warehouse/ and demo-out/
	rm -rf demo-warehouse demo-out
	$(BIN)/policygen run sample_logs/AWSLogs --warehouse demo-warehouse --out demo-out --authz sample_logs/authz --quiet
	@echo ""
	@echo "organization at a glance: demo-out/index.html  (or demo-out/index.md)"
	@echo "every principal:          demo-out/summary.json"
	@echo "one role, for example:    demo-out/<account>/roles/<role-name>/{policy.json,report.md}"
	@echo "forensic SQL:             $(BIN)/policygen query --warehouse demo-warehouse 'SELECT * FROM events LIMIT 5'"

# trailscraper, the comparison of `make bench`, in a venv of its own (pinned; a dot-folder
# so that mypy, which walks benchmarks/, skips it). If it cannot be installed, the bench
# still runs and records trailscraper as missing.
TS_VENV := benchmarks/cache/.venv-trailscraper
TS      := $(TS_VENV)/bin/trailscraper

$(TS): benchmarks/trailscraper-constraints.txt
	rm -rf $(TS_VENV)
	( $(PYTHON) -m venv $(TS_VENV) \
	  && $(TS_VENV)/bin/pip install --quiet -c $< trailscraper ) \
	|| { rm -rf $(TS_VENV); echo "trailscraper not installed: make bench records it as missing" >&2; }

bench: $(STAMP) $(TS)  ## benchmarks: convert, generate, run vs trailscraper, RSS (never in tests)
	$(PY) -m benchmarks.bench --trailscraper $(TS)

sample: $(STAMP)  ## regenerate sample_logs/ from the seeded generator
	rm -rf sample_logs/AWSLogs sample_logs/authz sample_logs/ground_truth.json
	$(PY) -m benchmarks.generate --out sample_logs --seed 7 --preset sample

clean:  ## remove the environment and generated outputs
	rm -rf $(VENV) demo-warehouse demo-out .pytest_cache .mypy_cache .ruff_cache
