"""Imports run one way: no cycle among khabar's modules, and the pure stages import nothing of the worker.

Every module under tasks/, worker/ and config/ is read as source (nothing is imported):
each ``import``/``from ... import`` of a khabar module counts, at module level or inside a
function alike, since a function-level import is a cycle put off, not removed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

PACKAGES = ("tasks", "worker", "config")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["khabar", *parts])


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The khabar modules ``path`` imports (``from khabar.x import y`` counts khabar.x.y when that is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            # "import khabar.worker.app" names the module; a parent package counts only if it is one.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("khabar."):
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_and_relative_imports() -> None:
    edges = graph()
    assert "khabar.worker.runtime" in edges["khabar.worker.app"]
    assert "khabar.tasks.pipeline" in edges["khabar.config.settings"]  # imported inside a validator
    assert len(edges) > 60


def test_no_import_cycles_among_khabars_modules() -> None:
    assert cycles(graph()) == []


def test_stages_import_nothing_of_the_worker_or_the_settings() -> None:
    edges = graph()
    # The pipeline may read the package's version (khabar.config.version); never the worker or the settings.
    offenders = {m: sorted(t for t in targets if t.startswith("khabar.worker") or t == "khabar.config.settings")
                 for m, targets in edges.items() if m.startswith("khabar.tasks")}
    assert {m: t for m, t in offenders.items() if t} == {}
