import asyncio
import json

import pytest
from pydantic import BaseModel

from agents.llm.cache import RecordReplayModel, request_key
from agents.llm.fakes import CountingModel, SchemaFakeModel
from agents.llm.litellm_model import LiteLLMModel, as_provider_error
from agents.llm.protocol import ChatMessage, ProviderError, RealCallInTestError, SamplingParams
from agents.llm.structured import StructuredLLM
from town.core.errors import ConfigError


class Answer(BaseModel):
    text: str


MESSAGES = [ChatMessage(role="user", content="hello")]
PARAMS = SamplingParams(seed=1)


def complete(model, messages=MESSAGES, params=PARAMS):
    return asyncio.run(model.complete(messages, schema=Answer, purpose="p", params=params))


def test_record_then_replay_makes_zero_calls(tmp_path):
    path = tmp_path / "cache.jsonl"
    counting = CountingModel(SchemaFakeModel())
    recorder = RecordReplayModel(counting, path)
    first = complete(recorder)
    recorder.close()
    replay_counter = CountingModel(SchemaFakeModel(seed=99))  # would answer differently if it were asked
    replayer = RecordReplayModel(replay_counter, path, mode="replay")
    again = complete(replayer)
    assert again.text == first.text and again.cached and replay_counter.total_calls == 0
    with pytest.raises(ProviderError, match="no cached answer"):
        complete(replayer, params=SamplingParams(seed=2))


def test_key_covers_model_messages_schema_and_sampling():
    base = request_key("m", MESSAGES, Answer, PARAMS)
    assert base != request_key("m2", MESSAGES, Answer, PARAMS)
    assert base != request_key("m", [ChatMessage(role="user", content="hi")], Answer, PARAMS)
    assert base != request_key("m", MESSAGES, None, PARAMS)
    assert base != request_key("m", MESSAGES, Answer, SamplingParams(seed=1, temperature=0.1))


def test_torn_last_line_is_tolerated_but_corruption_inside_is_not(tmp_path):
    path = tmp_path / "cache.jsonl"
    recorder = RecordReplayModel(SchemaFakeModel(), path)
    complete(recorder)
    complete(recorder, params=SamplingParams(seed=5))
    recorder.close()
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + lines[1][:20])  # a crash mid-write
    assert complete(RecordReplayModel(SchemaFakeModel(), path, mode="replay")).cached
    path.write_text("garbage\n" + "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="line 1 is corrupt"):
        RecordReplayModel(SchemaFakeModel(), path)
    with pytest.raises(ConfigError, match="file not found"):
        RecordReplayModel(SchemaFakeModel(), tmp_path / "none.jsonl", mode="replay")


def test_cache_file_holds_no_secrets_or_pickles(tmp_path):
    path = tmp_path / "cache.jsonl"
    recorder = RecordReplayModel(SchemaFakeModel(), path)
    complete(recorder)
    recorder.close()
    entry = json.loads(path.read_text().splitlines()[0])
    assert set(entry) == {"key", "reply"} and set(entry["reply"]) == {
        "text",
        "prompt_tokens",
        "completion_tokens",
        "cost",
    }


def test_real_provider_calls_fail_loudly_inside_tests():
    model = LiteLLMModel("gpt-4o-mini")
    with pytest.raises(RealCallInTestError, match="mark it real_llm"):
        complete(model)
    # The gateway's fallbacks never hide the guard.
    with pytest.raises(RealCallInTestError):
        asyncio.run(
            StructuredLLM(model).ask(MESSAGES, Answer, purpose="p", agent="a", fallback=lambda: Answer(text=""), log=[])
        )


def test_litellm_errors_map_to_transient_or_permanent():
    import litellm

    def err(cls, **kw):
        return cls(message="boom", llm_provider="openai", model="m", **kw)

    assert as_provider_error(litellm, err(litellm.RateLimitError)).transient
    assert as_provider_error(litellm, err(litellm.Timeout)).transient
    assert as_provider_error(litellm, err(litellm.APIConnectionError)).transient
    assert not as_provider_error(litellm, err(litellm.AuthenticationError)).transient
    assert not as_provider_error(litellm, err(litellm.BadRequestError)).transient
