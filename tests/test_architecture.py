"""The package's layers (docs/architecture.md): imports go downward only, and never in a cycle.

The import graph is built by grimp from the source (imports inside functions included,
``if TYPE_CHECKING:`` imports excluded: they never run). The root module ``berthplan`` is the
public facade: it imports the data model eagerly and everything else lazily, and any layer may
read ``berthplan.__version__`` from it.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).parent.parent
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("capacity",),
    ("model",),
    ("results", "checker"),
    ("backends",),
    ("optimization",),
    ("generator", "simulation"),
    ("analysis",),
    ("viz",),
    ("cli",),
)
"""Lowest first; the packages of one tier are independent of each other."""


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("berthplan", exclude_type_checking_imports=True)


def _top(module: str) -> str | None:
    """The layer package of ``berthplan.<pkg>.<...>`` (None for the root facade)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__main__" else None


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def violations(graph: grimp.ImportGraph) -> list[str]:
    """Every import of a module from a higher layer, or from an independent sibling."""
    rank = {pkg: (i, pkg) for i, tier in enumerate(LAYERS) for pkg in tier}
    bad = []
    for importer in sorted(graph.modules):
        a = _top(importer)
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            b = _top(imported)
            if a is None or b is None or a == b:
                continue
            if a not in rank or b not in rank:
                bad.append(f"{importer} -> {imported}: package not in LAYERS")
            elif rank[b][0] > rank[a][0] or (rank[b][0] == rank[a][0]):
                bad.append(f"{importer} -> {imported}: imports upward or sideways")
    return bad


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    assert cycles(graph) == []


def test_imports_go_downward_only(graph: grimp.ImportGraph) -> None:
    assert violations(graph) == []


def test_a_cycle_introduced_on_purpose_is_found(graph: grimp.ImportGraph) -> None:
    graph.add_import(importer="berthplan.model.records", imported="berthplan.model.instance")
    try:
        pair = {"berthplan.model.instance", "berthplan.model.records"}
        assert any(pair <= set(component) for component in cycles(graph))
    finally:
        graph.remove_import(importer="berthplan.model.records", imported="berthplan.model.instance")
    assert cycles(graph) == []


def test_an_upward_import_introduced_on_purpose_is_found(graph: grimp.ImportGraph) -> None:
    graph.add_import(importer="berthplan.model.instance", imported="berthplan.results.plan")
    try:
        assert violations(graph) == [
            "berthplan.model.instance -> berthplan.results.plan: imports upward or sideways"
        ]
    finally:
        graph.remove_import(importer="berthplan.model.instance", imported="berthplan.results.plan")


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in (ROOT / "berthplan").iterdir() if (p / "__init__.py").is_file()}
    layered = {pkg for tier in LAYERS for pkg in tier}
    assert packages == layered - {"errors"}


def test_no_top_level_module_but_the_facade_and_errors() -> None:
    modules = {p.name for p in (ROOT / "berthplan").glob("*.py")}
    assert modules == {"__init__.py", "__main__.py", "errors.py"}


def test_docs_state_the_same_layers() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    order = re.findall(r"^\d+\. `berthplan/([a-z_]+)(?:/|\.py)`", text, flags=re.M)
    assert order == [pkg for tier in LAYERS for pkg in tier]
