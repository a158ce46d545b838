# The two commands of the README:  `make demo`  and  `make test`.
# Both create .venv and install what they need from this repository's own files.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint bench eval clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev,eval,console-test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## start Redis (embedded if none) and a worker, process the example article, print it
	$(VENV)/bin/khabar demo

test: $(STAMP)  ## the whole test suite, against real Redis servers and real worker processes
	$(PY) -m pytest -q -ra

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
	rm -rf $(VENV) .khabar .pytest_cache
