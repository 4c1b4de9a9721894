# Two commands on a fresh machine:  `make run` (chat UI on the seeds)  and  `make test`.
VENV  := .venv
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: run test eval draws train bench bench-scale browser postgres install

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	# torch==2.13.0 is pinned in pyproject: pip takes the local CPU wheel, not a CUDA build.
	PYTHONDONTWRITEBYTECODE= $(VENV)/bin/pip install -q --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

# The project's own bytecode, written even where PYTHONDONTWRITEBYTECODE is set (as on these
# machines): without it every cold `assistant ask` compiles the sources again (about 0.2 s).
BYTECODE := $(VENV)/bin/python -m compileall -q assistant vectorstore ui

run: $(STAMP)
	@$(BYTECODE)
	$(VENV)/bin/assistant ui

test: $(STAMP) browser postgres
	@$(BYTECODE)
	$(VENV)/bin/python -m pytest

# Both suites against their floors (evals/floors.py); exits 1 below any, the unseen prose's
# included, which `make test` runs only on a sample.
eval: $(STAMP)
	$(VENV)/bin/assistant eval --baseline

# Every suite under five draws of the answer model (its LightGBM seeds), mean and spread
# (evals/results/draws.json; about 40 min): how far one draw's figures are from the next.
draws: $(STAMP)
	$(VENV)/bin/python -m evals.draws

# Refit the answer model on the SQuAD 2.0 folds (assistant/answering/models/, evals/unseen/models/).
train: $(STAMP)
	$(VENV)/bin/assistant train

bench: $(STAMP)
	@$(BYTECODE)
	$(VENV)/bin/python benchmarks/run.py

# Cost against corpus size (1k, 10k, 100k sentences; embedded and `chroma run`) plus ingest
# against plain llama-index: long (1k + 10k about 25 min on 2 shared cores; building the 100k
# store about 30 more). Not part of `make test`. SIZES=1000,10000 for the shorter run;
# SCALE_ARGS="--reuse 100000=DIR" starts 100k from a copy of a store built before.
# Two app servers on one Chroma server + PostgreSQL (opt-in, issue 15):
#   make bench-scale SIZES=10000 SCALE_ARGS="--modes embedded,shared --merge --compare-runs 0"
SIZES ?= 1000,10000,100000
bench-scale: $(STAMP)
	@$(BYTECODE)
	$(VENV)/bin/python benchmarks/scale.py --sizes $(SIZES) $(SCALE_ARGS)

# Debian's Chromium for the browser tests (Playwright's own download cannot work offline).
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

# Debian's PostgreSQL for the shared-store tests (they start their own throw-away cluster
# with initdb + pg_ctl on 127.0.0.1; nothing is configured system-wide).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql >/dev/null; }
