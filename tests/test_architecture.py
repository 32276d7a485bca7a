"""The house rules, checked over the source with `ast`: layers, no import cycles, small folders.

Every import counts, including those inside functions: deferred imports are how cycles hid
before. A package's own ``__init__`` is not an implicit dependency of its modules here, because
the sub-packages' ``__init__`` files import nothing (see test_subpackage_inits_import_nothing).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"cli": "feedcare.cli", "corpus": "feedcare.corpus", "topics": "feedcare.topics"}
MAX_MODULES_PER_FOLDER = 15


def _modules() -> dict[str, Path]:
    found = {}
    for folder, dotted in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([dotted, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """(module imported, name imported from it or None, line) for every import in the file."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out += [(target, alias.name, node.lineno) for alias in node.names]
    return [item for item in out if item[0].startswith("feedcare")]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for target, imported, _ in _imports(name, path):
            if imported and f"{target}.{imported}" in MODULES:
                graph[name].add(f"{target}.{imported}")  # `from package import module`
            elif target in MODULES:
                graph[name].add(target)
    return graph


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(MODULES):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    "lower, forbidden",
    [("feedcare.corpus", ("feedcare.topics", "feedcare.cli")), ("feedcare.topics", ("feedcare.cli",))],
)
def test_layers_import_only_downwards(lower, forbidden):
    bad = [
        f"{MODULES[name].relative_to(ROOT)}:{line} imports {target}"
        for name in MODULES if name.startswith(lower)
        for target, _, line in _imports(name, MODULES[name])
        if target.startswith(forbidden)
    ]
    assert not bad, "\n".join(bad)


def _subpackage(module: str) -> str:
    """The sub-package a module belongs to (feedcare.corpus.ingest for feedcare.corpus.ingest.sources)."""
    path = MODULES.get(module)
    if path is not None and path.name == "__init__.py":
        return module
    return module.rsplit(".", 1)[0]


def test_no_cross_package_import_of_private_names():
    bad = []
    for name, path in MODULES.items():
        for target, imported, line in _imports(name, path):
            dunder = (imported or "").startswith("__") and (imported or "").endswith("__")
            private = ((imported or "").startswith("_") and not dunder) or any(
                p.startswith("_") for p in target.split(".")[1:])
            if private and _subpackage(target) != _subpackage(name):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {imported} from {target}")
    assert not bad, "\n".join(bad)


def test_no_folder_holds_more_than_fifteen_modules():
    counts = defaultdict(list)
    for path in MODULES.values():
        if path.name != "__init__.py":
            counts[path.parent.relative_to(ROOT)].append(path.name)
    crowded = {str(f): len(names) for f, names in counts.items() if len(names) > MAX_MODULES_PER_FOLDER}
    assert not crowded, crowded


def test_subpackage_inits_import_nothing():
    """Sub-package __init__ files document what the package owns; they import only their own
    modules and the plumbing in corpus.base, so importing one module never drags in a cycle."""
    top = {f"{dotted}" for dotted in PACKAGES.values()}
    bad = []
    for name, path in MODULES.items():
        if path.name != "__init__.py" or name in top:
            continue
        for target, _, line in _imports(name, path):
            if not target.startswith((name + ".", "feedcare.corpus.base")):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def test_every_subpackage_says_what_it_owns():
    missing = [
        str(path.relative_to(ROOT)) for name, path in MODULES.items()
        if path.name == "__init__.py" and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not missing, missing
