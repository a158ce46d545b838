# The two commands of the README:  `make demo`  and  `make test`.
# Both create .venv and install what they need from this repository's own files: every version
# comes from the lock files in requirements/ (exact versions and hashes; `make lock` writes them).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements
# torch's CPU build comes from this index, in a pip call of its own: no other package is looked
# for there. (On the team's machines pip finds the same file on local disk first.)
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
# Installs from a lock: exactly its lines, each checked against its hashes.
LOCKED := -m pip install -q --no-deps --require-hashes
# Where `make test-wheel` installs the built wheel, away from the checkout's .venv.
WHEEL_VENV ?= build/wheel-venv
# What runs against the installed wheel: its own checks, the end-to-end tests, the CLI.
WHEEL_TESTS ?= tests/test_installed.py tests/test_version.py tests/test_end_to_end.py tests/test_cli_process.py

.PHONY: demo test test-checkout test-wheel wheel install lock venv-sizes lint bench eval clean

$(STAMP): pyproject.toml $(LOCK)/dev.txt $(LOCK)/torch-cpu.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) $(LOCKED) --extra-index-url $(TORCH_INDEX) -r $(LOCK)/torch-cpu.txt
	$(PY) $(LOCKED) -r $(LOCK)/dev.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## start Redis (embedded if none) and a worker, process the example article, print it
	$(VENV)/bin/khabar demo

test: test-checkout test-wheel  ## the checkout's tests, then the built wheel's

test-checkout: $(STAMP)  ## the whole test suite on the checkout, against real Redis servers and real worker processes
	$(PY) -m pytest -q -ra

wheel: $(STAMP)  ## dist/khabar-<version>-py3-none-any.whl, what the Dockerfile installs
	rm -rf dist build/lib build/bdist*
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w dist .

# The wheel alone (no checkout on the path) in a fresh venv with the CRF lock and the test tools:
# its files and names, documents equal to the checkout's, the end-to-end tests, the demo.
test-wheel: wheel  ## the built wheel installed alone in a fresh venv: what ships is what is tested
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python $(LOCKED) -r $(LOCK)/wheel-test.txt
	$(WHEEL_VENV)/bin/python -m pip install -q --no-deps --no-index dist/khabar-*.whl
	KHABAR_TEST_INSTALLED=1 KHABAR_CHECKOUT_PYTHON=$(abspath $(PY)) \
	  $(WHEEL_VENV)/bin/python -m pytest -q -rA -p no:cacheprovider $(WHEEL_TESTS)

# After adding or changing a dependency in pyproject.toml (or a pin in requirements/pins.in).
# pip-compile keeps the versions already locked unless asked: `make lock UPGRADE=--upgrade`.
COMPILE := $(VENV)/bin/pip-compile -q --generate-hashes --strip-extras --allow-unsafe \
           --no-emit-index-url --no-emit-find-links $(UPGRADE)
lock: $(STAMP)  ## requirements/*.txt from pyproject.toml and requirements/pins.in
	$(COMPILE) -c $(LOCK)/pins.in -o $(LOCK)/runtime.txt pyproject.toml
	$(COMPILE) --all-extras -c $(LOCK)/pins.in -c $(LOCK)/runtime.txt -o $(LOCK)/dev.txt pyproject.toml
	$(PY) $(LOCK)/derive.py

# docs/OPERATIONS.md's venv sizes: a fresh venv per lock with the wheel, measured with du.
SIZES_DIR ?= build/sizes
venv-sizes: wheel  ## du -sh of a default install (runtime.txt) and of a CRF-only one (crf.txt)
	@for kind in runtime crf; do \
	  rm -rf $(SIZES_DIR)/$$kind && $(PYTHON) -m venv $(SIZES_DIR)/$$kind || exit 1; \
	  if [ $$kind = runtime ]; then \
	    $(SIZES_DIR)/$$kind/bin/python $(LOCKED) --extra-index-url $(TORCH_INDEX) -r $(LOCK)/torch-cpu.txt || exit 1; \
	  fi; \
	  $(SIZES_DIR)/$$kind/bin/python $(LOCKED) -r $(LOCK)/$$kind.txt 2>/dev/null || exit 1; \
	  $(SIZES_DIR)/$$kind/bin/python -m pip install -q --no-deps --no-index dist/khabar-*.whl || exit 1; \
	  echo "$$kind.txt: $$($(SIZES_DIR)/$$kind/bin/python -m pip list 2>/dev/null | tail -n +3 | wc -l) packages," \
	       "$$(du -sh $(SIZES_DIR)/$$kind | cut -f1)"; \
	done

# mypy cannot map khabar.* onto the top-level folders (the package-dir mapping), so it checks a
# throwaway tree of links, .khabar/typecheck/khabar/{tasks,worker,config}, that spells the installed names.
TYPECHECK := .khabar/typecheck

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/khabar && touch $(TYPECHECK)/khabar/__init__.py
	for d in tasks worker config; do ln -s ../../../$$d $(TYPECHECK)/khabar/$$d; done
	cd $(TYPECHECK) && ../../$(VENV)/bin/mypy --config-file ../../pyproject.toml -p khabar.config -p khabar.tasks -p khabar.worker

bench: $(STAMP)
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

NER_DATA ?= ../shared/data/ner/anercorp-train.txt
NER_DEV_MODEL ?= .khabar/ner-dev

eval: $(STAMP)  ## ROUGE on EASC dev; NER F1 (raw labels and the entities stage) on a model trained without the dev split
	$(PY) scripts/eval_summaries.py
	@if [ -f $(NER_DATA) ]; then \
	  $(PY) -m khabar.worker.cli.ner_train --train $(NER_DATA) --dev-split 0.12 --out $(NER_DEV_MODEL) && \
	  $(PY) scripts/eval_ner.py $(NER_DATA) --dev-split 0.12 --model $(NER_DEV_MODEL) --stage; \
	else echo "skipped NER evaluation: $(NER_DATA) not found (evaluation data lives in ../shared)"; fi

clean:
	rm -rf $(VENV) .khabar .pytest_cache build dist
