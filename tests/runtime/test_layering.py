"""The layering rules of DESIGN.md: imports point downward, and the headless core under fakes loads no heavy backend."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pygame", "litellm", "faiss", "sentence_transformers", "llama_cpp", "torch")


def test_headless_run_on_fakes_imports_no_heavy_backend():
    script = (
        "import asyncio, sys, tempfile, pathlib\n"
        "from town.runtime.config import RunConfig\n"
        "from town.runtime.runner import run_headless\n"
        "out = pathlib.Path(tempfile.mkdtemp())\n"
        "cfg = RunConfig(agents=3, hours=0.3, model='fake', embedder='hashing', index='numpy', cache='record', out=out / 'run', save_dir=out / 'save')\n"
        "asyncio.run(run_headless(cfg))\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_core_imports_only_stdlib_numpy_networkx_pydantic():
    allowed_third_party = {"numpy", "networkx", "pydantic"}  # .tmx maps are read with the standard library
    stdlib = set(sys.stdlib_module_names)
    for path in _files("town/core"):
        for name in _imports(path):
            top = name.split(".")[0]
            assert top in stdlib or top in allowed_third_party or name.startswith("town.core"), f"{path}: {name}"


def test_agents_never_import_upward_or_heavy_backends_outside_the_gateway():
    for path in _files("agents"):
        in_gateway = "agents/llm" in path.as_posix()
        for name in _imports(path):
            top = name.split(".")[0]
            assert not name.startswith(("town.runtime", "town.persistence", "town.ui", "town.cli")), f"{path}: {name}"
            assert top != "pygame", f"{path}: {name}"
            if not in_gateway:
                assert top not in HEAVY, f"{path}: {name}"


def test_heavy_backends_are_imported_lazily_inside_functions():
    for path in _files("agents/llm"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] in HEAVY for n in names), f"{path} imports a backend at module level"


def test_nothing_imports_the_ui_but_the_command_that_opens_it():
    for package in ("town", "agents"):
        for path in _files(package):
            if "town/ui" in path.as_posix():
                continue
            ui_imports = [n for n in _imports(path) if n.startswith("town.ui")]
            if path.as_posix().endswith(
                ("town/benchmarks_view.py", "town/commands/play.py", "town/commands/replay.py")
            ):
                # `town play`, `town replay` and `town bench fps` open the app, importing it inside their functions only.
                tree = ast.parse(path.read_text())
                top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
                assert not any(getattr(n, "module", "") and n.module.startswith("town.ui") for n in top_level)
                continue
            assert not ui_imports, path


def test_only_the_ui_imports_pygame():
    for package in ("town", "agents"):
        for path in _files(package):
            if "town/ui" not in path.as_posix():
                assert not any(n.split(".")[0] == "pygame" for n in _imports(path)), path


def test_nothing_in_the_town_can_unpickle_or_evaluate_what_it_reads():
    """Saves, configs, caches and logs are data: no pickle, no eval/exec, YAML only through safe_load."""
    for package in ("town", "agents"):
        for path in _files(package):
            tree = ast.parse(path.read_text())
            assert not any(n.split(".")[0] in ("pickle", "dill", "marshal", "shelve") for n in _imports(path)), path
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                assert name not in ("eval", "exec"), f"{path}:{node.lineno}"
                if name in ("load", "load_all") and getattr(node.func, "value", None) is not None:
                    owner = getattr(node.func.value, "id", "")
                    assert owner != "yaml", f"{path}:{node.lineno} uses yaml.load; use yaml.safe_load"
                for keyword in node.keywords:
                    if keyword.arg == "allow_pickle":
                        assert isinstance(keyword.value, ast.Constant) and keyword.value.value is False, (
                            f"{path}:{node.lineno}"
                        )


def test_only_the_command_line_imports_the_evaluation():
    """Evaluation sits above the town: it reads logs and saves; nothing that runs a town depends on it."""
    for package in ("town/core", "agents", "town/runtime", "town/persistence", "town/ui"):
        for path in _files(package):
            assert not any(n.startswith("town.evaluation") for n in _imports(path)), path


def test_map_tools_sit_above_the_agents_and_below_everything_that_runs_a_town():
    """town/mapping (import-ga, check, init) reads maps and writes files; the town never needs it to run."""
    for path in _files("town/mapping"):
        for name in _imports(path):
            assert not name.startswith(
                ("town.runtime", "town.persistence", "town.ui", "town.evaluation", "town.experiments", "town.commands")
            ), f"{path}: {name}"
            assert name.split(".")[0] not in HEAVY, f"{path}: {name}"
    for package in ("town/core", "agents", "town/runtime", "town/persistence", "town/ui"):
        for path in _files(package):
            assert not any(n.startswith("town.mapping") for n in _imports(path)), path
