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
	$(PY) -m pip install -q -c constraints.txt -e '.[dev,eval]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## start Redis (embedded if none) and a worker, process the example article, print it
	$(VENV)/bin/khabar demo

test: $(STAMP)  ## the whole test suite, against real Redis servers and real worker processes
	$(PY) -m pytest -q -ra

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

eval: $(STAMP)
	$(PY) scripts/eval_summaries.py
	$(PY) scripts/eval_ner.py

clean:
	rm -rf $(VENV) .khabar .pytest_cache
