"""Tests of the real parts: the embedded SmolLM2 through litellm + llama.cpp, MiniLM embeddings, FAISS."""

import asyncio

import numpy as np
import pytest

from agents.llm.protocol import ChatMessage, SamplingParams
from agents.schemas import ReactionChoice
from agents.vector_index import NumpyIndex


@pytest.mark.real_llm
def test_embedded_model_answers_a_schema_through_litellm():
    from agents.llm.litellm_model import LiteLLMModel, check_model, close_embedded
    from agents.llm.local_llama import DEFAULT_EMBEDDED_MODEL

    check_model(DEFAULT_EMBEDDED_MODEL)
    model = LiteLLMModel(DEFAULT_EMBEDDED_MODEL)
    messages = [ChatMessage(role="user", content="Jonah walks by. Should Mei stop and talk to him? Reply in JSON.")]
    try:
        reply = asyncio.run(
            model.complete(messages, schema=ReactionChoice, purpose="react", params=SamplingParams(seed=1))
        )
    finally:
        close_embedded()
    choice = ReactionChoice.model_validate_json(reply.text[reply.text.index("{") :])
    assert choice.decision in {"continue", "talk"}
    assert reply.prompt_tokens > 10 and reply.completion_tokens > 0


def test_minilm_embeddings_load_offline_and_rank_meaning():
    from agents.llm.sentence_embedder import SentenceEmbedder

    vectors = SentenceEmbedder().embed(
        [
            "Mei is hosting a party at the cafe",
            "There is a celebration at Rosewood Cafe tonight",
            "The garden needs water",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_faiss_index_agrees_with_the_numpy_index():
    from agents.llm.faiss_index import FaissIndex

    rng = np.random.default_rng(0)
    data = rng.standard_normal((500, 384)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    faiss_index, numpy_index = FaissIndex(384), NumpyIndex(384)
    for chunk in (data[:200], data[200:]):
        faiss_index.add(chunk)
        numpy_index.add(chunk)
    query = data[17]
    assert np.allclose(faiss_index.similarities(query), numpy_index.similarities(query), atol=1e-5)
    scores, ids = faiss_index.search(query, 3)
    assert ids[0] == 17 and len(faiss_index) == 500
    assert np.allclose(faiss_index.vectors(), data)


def test_half_index_keeps_rounded_rows_and_ranks_like_float32():
    from agents.llm.half_index import HalfIndex

    rng = np.random.default_rng(1)
    data = rng.standard_normal((5000, 384)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    half, exact = HalfIndex(384), NumpyIndex(384)
    for chunk in (data[:70], data[70:4500], data[4500:]):  # across the index's growing blocks
        half.add(chunk)
        exact.add(chunk)
    rounded = data.astype(np.float16).astype(np.float32)
    assert len(half) == 5000 and half.vectors().dtype == np.float32
    assert np.array_equal(half.vectors(), rounded) and np.array_equal(half.vectors(4990), rounded[4990:])
    query = data[17] + 0.3 * data[4321]
    query /= np.linalg.norm(query)
    near = half.similarities(query)
    assert near.dtype == np.float32 and np.abs(near - exact.similarities(query)).max() < 2e-3
    assert set(np.argsort(-near)[:2]) == {17, 4321}
    # What a save writes and a resume reads back ranks exactly as the run that saved.
    resumed = HalfIndex(384)
    resumed.add(half.vectors())
    assert np.array_equal(resumed.similarities(query), near)


def test_several_api_bases_make_one_pool_and_a_limit_for_an_unknown_server_is_refused():
    from agents.llm.litellm_model import LiteLLMModel
    from town.core.errors import ConfigError

    single = LiteLLMModel("openai/qwen", api_base="http://10.0.0.1:8000/v1")
    assert single.pool.bases == ["http://10.0.0.1:8000/v1"]
    model = LiteLLMModel(
        "openai/qwen",
        api_base="http://10.0.0.1:8000/v1, http://10.0.0.2:8000/v1",
        endpoint_concurrency={"*": 4, "http://10.0.0.2:8000/v1": 64},
    )
    assert model.pool.limits == {"http://10.0.0.1:8000/v1": 4, "http://10.0.0.2:8000/v1": 64}
    with pytest.raises(ConfigError, match="not one of the --api-base"):
        LiteLLMModel("openai/qwen", api_base="http://10.0.0.1:8000/v1", endpoint_concurrency={"http://x/v1": 2})


@pytest.mark.real_llm
def test_a_process_that_leaves_the_embedded_model_loaded_exits_without_a_traceback():
    """llama.cpp's destructor fails once the interpreter's teardown has begun; the model is freed before that."""
    import subprocess
    import sys

    script = (
        "import asyncio\n"
        "from agents.llm.litellm_model import LiteLLMModel\n"
        "from agents.llm.local_llama import DEFAULT_EMBEDDED_MODEL\n"
        "from agents.llm.protocol import ChatMessage, SamplingParams\n"
        "from agents.schemas import ReactionChoice\n"
        "model = LiteLLMModel(DEFAULT_EMBEDDED_MODEL)\n"
        "ask = [ChatMessage(role='user', content='Continue, react or talk? Reply in JSON.')]\n"
        "reply = asyncio.run(model.complete(ask, schema=ReactionChoice, purpose='react', params=SamplingParams(seed=1)))\n"
        "print('answered', bool(reply.text))\n"  # and no close: exit with the model loaded
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and "answered True" in done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr[-800:]
