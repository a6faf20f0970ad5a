# uploadbot: `make demo` uploads the example batch to a local sandbox wiki,
# `make test` runs the whole test suite against a fresh one.

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
SANDBOX  ?= .sandbox
PYTEST_ARGS ?=

.PHONY: all venv demo test test-slow test-fast lint sandbox stop examples clean

all: test

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

sandbox: venv
	$(BIN)/uploadbot-sandbox start --dir $(SANDBOX)

stop:
	-$(BIN)/uploadbot-sandbox stop --dir $(SANDBOX)

examples: venv
	$(BIN)/python examples/make_examples.py

# Every check is on: the sandbox has the example rows' categories and files its
# licence templates in Category:License tags, as Commons does. The journal lives
# with the wiki it speaks of, so a new sandbox starts a new journal. First the
# preview a reviewer would read (pages rendered by the wiki), then the run and
# its report page, built from the journal.
demo: sandbox examples
	$(BIN)/uploadbot -dir:$(SANDBOX)/pywikibot -manifest:examples/batch.csv \
		-template:examples/description.wiki -journal:$(SANDBOX)/demo.journal.sqlite \
		-check -preview:examples/demo.preview
	$(BIN)/uploadbot -dir:$(SANDBOX)/pywikibot -manifest:examples/batch.csv \
		-template:examples/description.wiki -report:examples/demo.report.html \
		-journal:$(SANDBOX)/demo.journal.sqlite -summary:'uploadbot demo batch'
	@echo
	@echo "preview: examples/demo.preview/index.html"
	@echo "report:  examples/demo.report.html"
	@$(BIN)/python -c "import json; i = json.load(open('$(SANDBOX)/sandbox.json')); \
		print('see the files at ' + i['server'] + '/index.php?title=Special:ListFiles')"

# Everything but the tests marked `slow` (minutes or gigabytes each).
test: venv
	$(BIN)/python -m pytest -m 'not slow' $(PYTEST_ARGS)

# Only the `slow` tests: the over-4-GiB chunked upload (about 10 GiB of disk
# for a while). CI runs them after `make test`.
test-slow: venv
	$(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

# Everything not marked `wiki`, `database` or `mount`: no PHP, no database server,
# no package to install, seconds.
test-fast: venv
	$(BIN)/python -m pytest -m 'not wiki and not database and not mount and not browser and not slow' $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check uploadbot tests benchmarks examples families scripts
	$(BIN)/ruff format --check uploadbot tests benchmarks examples families scripts

clean: stop
	rm -rf $(SANDBOX) build *.egg-info examples/files examples/*.report.csv \
		examples/*.journal.sqlite*

# `make bench`: uploadbot against a raw requests client and pywikibot on a fresh
# sandbox wiki (see benchmarks/README.md); `make bench BENCH_ARGS=--quick` is short.
# mwclient, one of the clients compared, is installed for the benchmarks only (extra
# `bench`), into a virtual environment of its own: mwclient brings requests-oauthlib,
# which pywikibot imports whenever it is there, and uploadbot's and pywikibot's
# processes are measured as they are installed without it.
# `make bench-table`: the side-by-side table of the floor, mwclient, pywikibot and
# uploadbot (medians of 3) and planning 100,000 rows.
BENCH_ARGS ?=
MWCLIENT_VENV ?= .venv-mwclient
.PHONY: bench bench-deps bench-table
bench-deps: venv $(MWCLIENT_VENV)/.installed
$(MWCLIENT_VENV)/.installed: setup.cfg
	$(PYTHON) -m venv $(MWCLIENT_VENV)
	$(MWCLIENT_VENV)/bin/pip install --quiet '.[bench]'
	touch $@
bench: bench-deps
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
bench-table: bench-deps
	$(BIN)/python benchmarks/bench.py --table $(BENCH_ARGS)

# `make bench-scale`: planning, -check, the journal and upload overhead at 2,000 to
# 100,000 rows (see benchmarks/README.md); not part of `make test`.
SCALE_ARGS ?=
.PHONY: bench-scale
bench-scale: venv
	$(BIN)/python benchmarks/bench_scale.py $(SCALE_ARGS)
