"""Embeddings through litellm from a real embedding server on 127.0.0.1: order, batches, retries, a server gone."""

import json

import numpy as np
import pytest

from agents.llm.api_embedder import ApiEmbedder
from agents.llm.protocol import EmbedderUnavailable
from tests.reliability.servers import embedding_server, text_vector
from town.cli import main
from town.core.errors import ConfigError


def _expected(texts, dim):
    rows = np.array([text_vector(t, dim) for t in texts], dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_texts_are_embedded_in_batches_in_their_own_order_and_normalised():
    with embedding_server(dim=8) as server:
        embedder = ApiEmbedder("openai/test-embed", server.base, batch_size=4, concurrency=3)
        assert embedder.dim == 8 and embedder.name == "api:openai/test-embed"
        texts = [f"memory number {i}" for i in range(10)]
        rows = embedder.embed(texts)
        assert rows.dtype == np.float32 and rows.shape == (10, 8)
        assert np.allclose(rows, _expected(texts, 8), atol=1e-6)  # the server sent each batch reversed
        assert sorted(server.batch_sizes[1:]) == [2, 4, 4]  # after the one-text pre-flight
        assert embedder.embed([]).shape == (0, 8)


def test_a_busy_server_is_retried_and_one_that_stays_down_stops_with_a_clear_error():
    with embedding_server(dim=4, fail_first=2) as server:
        embedder = ApiEmbedder("openai/test-embed", server.base, backoff_s=0.0)  # pre-flight rode out two 503s
        assert server.requests == 3
        server.answers = server.requests  # from now on, gone
        with pytest.raises(EmbedderUnavailable, match="embedding 1 texts failed"):
            embedder.embed(["hello"])


def test_a_server_that_answers_fewer_rows_than_texts_is_retried_then_stops_the_run():
    with embedding_server(dim=4) as server:
        embedder = ApiEmbedder("openai/test-embed", server.base, backoff_s=0.0)
        server.short = True
        before = server.requests
        with pytest.raises(EmbedderUnavailable, match="returned 1 embeddings for 2 texts"):
            embedder.embed(["one", "two"])
        assert server.requests - before > 1  # a short answer is retried like a busy server


def test_no_server_is_refused_before_anything_runs():
    with embedding_server() as server:
        base = server.base
    with pytest.raises(ConfigError, match="cannot connect"):
        ApiEmbedder("openai/test-embed", base)


def test_a_run_remembers_through_the_embedding_server_and_stops_cleanly_when_it_goes(tmp_path, capsys):
    with embedding_server(dim=16) as server:
        out = tmp_path / "run"
        args = ["run", "--agents", "3", "--hours", "1", "--model", "fake", "--index", "numpy", "--cache", "off"]
        args += ["--embedder", "api:openai/test-embed", "--embedder-api-base", server.base, "--out", str(out)]
        assert main([*args, "--autosave", "0", "--quiet"]) == 0
        summary = json.loads((out / "summary.json").read_text())
        assert summary["reason"] == "completed" and summary["totals"]["memories"] > 0
        assert server.requests > 1
        server.answers = server.requests + 3  # the server dies a few batches into the next run
        out2 = tmp_path / "run2"
        code = main([*args[:-1], str(out2), "--autosave", "5", "--quiet"])
        summary = json.loads((out2 / "summary.json").read_text())
    assert code == 2 and summary["reason"] == "provider_unavailable" and summary["detail"].startswith("embedder:")
    assert "stopped early" in capsys.readouterr().err
    last = json.loads((out2 / "trajectory.jsonl").read_text().splitlines()[-1])
    assert last["type"] == "run_end" and last["reason"] == "provider_unavailable"


def test_bench_embed_measures_each_backend_including_a_server():
    from town.bench.embed import bench_embed

    with embedding_server(dim=16) as server:
        figures = bench_embed("api:openai/test-embed", server.base, count=300)
    by_name = {row["backend"]: row for row in figures["backends"]}
    assert by_name["api:openai/test-embed"]["dim"] == 16 and by_name["api:openai/test-embed"]["texts_per_s"] > 0
    assert by_name["hashing-384"]["texts"] == 300
    assert max(server.batch_sizes) == 64  # each 256-text call went out as concurrent requests of 64
