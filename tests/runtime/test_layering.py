"""The layering rules of DESIGN.md: one table of allowed imports over every package, no import cycles, and a headless
run on fakes that loads no heavy backend."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.import_graph import ALLOWED, file_cycles, imports, layer_of, layer_violations, project_modules

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pygame", "litellm", "faiss", "sentence_transformers", "llama_cpp", "torch")


def test_headless_run_on_fakes_imports_no_heavy_backend():
    script = (
        "import asyncio, sys, tempfile, pathlib\n"
        "from town.runtime.config import RunConfig\n"
        "from town.persistence.runner import run_headless\n"
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


def test_every_import_points_down_the_layer_table():
    """One rule for every package (tests/import_graph.py's table); type-only and in-function imports count too."""
    assert layer_violations() == []


def test_no_two_files_import_each_other_even_indirectly():
    assert file_cycles() == []


def test_every_module_belongs_to_a_layer_of_the_table():
    assert {layer_of(m) for m in project_modules()} <= set(ALLOWED)


def _tree_copy(tmp_path: Path) -> Path:
    for package in ("town", "agents"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "data", "prompts")
        )
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def test_the_layer_check_catches_an_upward_import_even_a_type_only_one(tmp_path):
    root = _tree_copy(tmp_path)
    _append(root / "town/core/clock.py", "if TYPE_CHECKING:\n    from town.runtime.simulation import Simulation")
    _append(root / "agents/memory.py", "def _late():\n    from town.persistence import saves")
    _append(root / "town/runtime/stats.py", "import pygame")
    found = layer_violations(root)
    assert len(found) == 3, found
    assert "town.core.clock imports town.runtime.simulation (core may not import runtime)" in found[1]
    assert "agents.memory imports town.persistence.saves (agents may not import persistence)" in found[0]
    assert "only the ui imports pygame" in found[2]


def test_the_layer_check_catches_a_heavy_backend_at_module_level_and_the_app_outside_a_function(tmp_path):
    root = _tree_copy(tmp_path)
    _append(root / "agents/llm/fakes.py", "import litellm")
    _append(root / "town/commands/run.py", "from town.ui.app import App")
    found = layer_violations(root)
    assert [f.split(": ")[1] for f in found] == [
        "agents.llm.fakes imports litellm (heavy backends are imported lazily, inside agents/llm only)",
        "town.commands.run imports town.ui.app (the app is imported inside the command that opens it only)",
    ]


def test_the_cycle_check_finds_a_cycle_through_three_files(tmp_path):
    root = _tree_copy(tmp_path)
    _append(root / "agents/wording.py", "from agents.memory import MemoryStream")
    _append(root / "agents/memory.py", "from agents.persona import Persona")
    _append(root / "agents/persona.py", "from agents.wording import progressive")
    assert ["agents.memory", "agents.persona", "agents.wording"] in file_cycles(root)


def test_nothing_in_the_town_can_unpickle_or_evaluate_what_it_reads():
    """Saves, configs, caches and logs are data: no pickle, no eval/exec, YAML only through safe_load."""
    assert not [i for i in imports() if i.target in ("pickle", "dill", "marshal", "shelve")]
    for path in project_modules().values():
        tree = ast.parse(path.read_text())
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
