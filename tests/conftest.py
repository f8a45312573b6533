"""Shared fixtures; the `real_llm` marker is the only way past the real-provider guard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.llm.protocol import ALLOW_REAL_LLM_ENV
from agents.persona import load_personas
from town.core.places import load_town_map
from town.runtime.config import DEFAULT_MAP, DEFAULT_PERSONAS, RunConfig

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.pop(ALLOW_REAL_LLM_ENV, None)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _real_llm_gate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_llm"):
        monkeypatch.setenv(ALLOW_REAL_LLM_ENV, "1")
    else:
        monkeypatch.delenv(ALLOW_REAL_LLM_ENV, raising=False)


@pytest.fixture(scope="session")
def town_map():
    return load_town_map(DEFAULT_MAP)


@pytest.fixture(scope="session")
def personas():
    return load_personas(DEFAULT_PERSONAS)


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    """Relative default folders (runs/, saves/) land in the test's own directory, never in the checkout."""
    monkeypatch.chdir(tmp_path)


def fake_config(tmp_path: Path, **overrides) -> RunConfig:
    """A fast, deterministic configuration: schema fake model, hashing embedder, numpy index."""
    base = {
        "agents": 3,
        "hours": 0.5,
        "model": "fake",
        "embedder": "hashing",
        "index": "numpy",
        "cache": "off",
        "out": tmp_path / "run",
        "save_dir": tmp_path / "saves" / "run",
    }
    base.update(overrides)
    return RunConfig(**base)
