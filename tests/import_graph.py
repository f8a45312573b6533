"""The project's import graph, read from the source with `ast`, and the layer table it must obey.

Every import counts: module level, inside functions, and under `if TYPE_CHECKING:` (a type-only import upward still
ties a lower layer to a higher one). `python -m tests.import_graph` prints each layer's imports and the file cycles.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("town", "agents")

# Layers by module prefix, most specific first. DESIGN.md's picture, as data.
LAYERS: list[tuple[str, str]] = [
    ("town.core", "core"),
    ("agents.llm", "llm"),
    ("agents", "agents"),
    ("town.mapping", "mapping"),
    ("town.runtime", "runtime"),
    ("town.persistence", "persistence"),
    ("town.evaluation", "evaluation"),
    ("town.experiments", "experiments"),
    ("town.ui", "ui"),
    ("town.bench", "bench"),
    ("town.commands", "commands"),
    ("town.cli", "commands"),
    ("town", "commands"),  # the package itself
]
_BELOW_RUNTIME = {"agents", "llm", "core"}
# What each layer may import besides itself.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "llm": {"core"},
    "agents": {"llm", "core"},
    "mapping": {"agents", "core"},  # map tools read personas; nothing that runs a town needs them
    "runtime": _BELOW_RUNTIME,
    "persistence": {"runtime"} | _BELOW_RUNTIME,
    "evaluation": {"persistence", "runtime"} | _BELOW_RUNTIME,
    "experiments": {"evaluation", "persistence", "runtime"} | _BELOW_RUNTIME,
    "ui": {"persistence", "runtime", "core"},
    # Benchmarks run towns generated for each size (town.mapping.generate), besides everything that runs a town.
    "bench": {"ui", "experiments", "evaluation", "persistence", "runtime", "mapping"} | _BELOW_RUNTIME,
    "commands": {"bench", "ui", "experiments", "evaluation", "persistence", "runtime", "mapping"} | _BELOW_RUNTIME,
}
# Layers that may import the app only inside a function, so that a headless command never loads pygame.
LAZY_UI = {"bench", "commands"}
HEAVY = ("litellm", "faiss", "sentence_transformers", "llama_cpp", "torch")
CORE_THIRD_PARTY = {"numpy", "networkx", "pydantic", "scipy"}  # scipy: compiled graph search for far paths


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported (a project module, or a third-party top-level name)
    line: int
    in_function: bool


def layer_of(module: str) -> str:
    return next(layer for prefix, layer in LAYERS if module == prefix or module.startswith(prefix + "."))


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports(root: Path = ROOT) -> list[Import]:
    """Every import in the project; project targets resolved to the module file they name."""
    modules = project_modules(root)
    found = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        in_function = {
            id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _named(module, path, node):
                target = _resolve(name, modules)
                if target != module:
                    found.append(Import(module, target, node.lineno, id(node) in in_function))
    return found


def _named(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [f"{base}.{alias.name}" for alias in node.names]  # `a.b.C` resolves up to module `a.b`


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """The project module `name` is or lies in (`a.b.C` -> `a.b`), or the third-party top-level package."""
    probe = name
    while probe:
        if probe in modules:
            return probe
        probe = probe.rpartition(".")[0]
    return name.split(".", maxsplit=1)[0]


def layer_violations(root: Path = ROOT) -> list[str]:
    modules = project_modules(root)
    stdlib = set(sys.stdlib_module_names)
    problems = []
    for imp in imports(root):
        where = f"{modules[imp.module].relative_to(root)}:{imp.line}: {imp.module} imports {imp.target}"
        mine = layer_of(imp.module)
        if imp.target in modules:
            theirs = layer_of(imp.target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                problems.append(f"{where} ({mine} may not import {theirs})")
            elif theirs == "ui" and mine in LAZY_UI and not imp.in_function:
                problems.append(f"{where} (the app is imported inside the command that opens it only)")
            continue
        top = imp.target
        if top == "pygame" and mine != "ui":
            problems.append(f"{where} (only the ui imports pygame)")
        if top in HEAVY and (mine != "llm" or not imp.in_function):
            problems.append(f"{where} (heavy backends are imported lazily, inside agents/llm only)")
        if mine == "core" and top not in stdlib and top not in CORE_THIRD_PARTY:
            problems.append(f"{where} (the core uses the standard library, numpy, networkx, scipy and pydantic only)")
    return sorted(set(problems))


def file_graph(root: Path = ROOT) -> nx.DiGraph:
    """Module -> module edges within the project; a module's own package `__init__` is not an edge (Python runs it)."""
    modules = project_modules(root)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for imp in imports(root):
        own_package = imp.module.startswith(imp.target + ".")
        if imp.target in modules and not own_package:
            graph.add_edge(imp.module, imp.target)
    return graph


def file_cycles(root: Path = ROOT) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(file_graph(root)) if len(c) > 1)


def main() -> int:
    graph = file_graph()
    by_layer: dict[tuple[str, str], int] = {}
    for a, b in graph.edges:
        key = (layer_of(a), layer_of(b))
        if key[0] != key[1]:
            by_layer[key] = by_layer.get(key, 0) + 1
    for (a, b), count in sorted(by_layer.items()):
        print(f"{a:>12} -> {b:<12} {count} imports")
    violations, cycles = layer_violations(), file_cycles()
    print(f"\nlayer violations: {len(violations) or 'none'}")
    print(*violations, sep="\n")
    print(f"file import cycles: {len(cycles) or 'none'}")
    for cycle in cycles:
        print("  " + " <-> ".join(cycle))
    return 1 if violations or cycles else 0


if __name__ == "__main__":
    raise SystemExit(main())
