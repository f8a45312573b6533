"""API keys never reach saves, logs, caches or error messages: a planted key is searched for in everything written."""

import asyncio

from agents.llm.fakes import SchemaFakeModel
from agents.llm.protocol import ProviderError
from tests.conftest import fake_config
from town.cli import main
from town.core.errors import ConfigError
from town.core.secrets import REDACTED, redact
from town.persistence.runner import run_headless
from town.runtime.builders import build_model

PLANTED = "sk-planted-test-key-0123456789abcdefXYZ"


class LeakyProvider:
    """Fails one request in five with an error that echoes the caller's key, as some providers' auth errors do."""

    name = "leaky"

    def __init__(self, key: str) -> None:
        self.inner = SchemaFakeModel(seed=3)
        self.key = key
        self.calls = 0
        self.failures = 0

    async def complete(self, messages, *, schema, purpose, params):
        # By count, not by prompt: whatever the prompts say, a run of a game hour makes dozens of calls, so some fail.
        self.calls += 1
        if self.calls % 5 == 2:
            self.failures += 1
            raise ProviderError(f"401 Unauthorized: invalid api key {self.key} (header Authorization)", transient=False)
        return await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)


def test_redact_hides_secret_environment_values_and_key_shapes():
    env = {"OPENAI_API_KEY": PLANTED, "MY_SERVICE_TOKEN": "tok-abcdefgh", "HOME": "/root/somewhere"}
    text = f"failed with {PLANTED} and tok-abcdefgh in /root/somewhere; also sk-ant-{'a' * 30}"
    cleaned = redact(text, env)
    assert PLANTED not in cleaned and "tok-abcdefgh" not in cleaned and "sk-ant-" not in cleaned
    assert "/root/somewhere" in cleaned and cleaned.count(REDACTED) == 3


def test_a_planted_key_appears_in_no_file_the_run_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    config = fake_config(
        tmp_path, agents=3, hours=1, seed=3, cache="record", autosave_minutes=10, save_dir=tmp_path / "saves" / "s"
    )
    model = build_model(config)
    leaky = LeakyProvider(PLANTED)
    model.inner = leaky  # the record/replay cache wraps the leaky provider
    result = asyncio.run(run_headless(config, model=model))
    assert leaky.failures > 0 and result.totals["failed_calls"] > 0  # the leak paths were exercised

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"trajectory.jsonl", "telemetry.jsonl", "llm_cache.jsonl", "manifest.json"}
    for path in written:
        assert PLANTED.encode() not in path.read_bytes(), f"the key leaked into {path}"
    assert REDACTED in (config.out / "trajectory.jsonl").read_text(), "the provider errors were logged, redacted"


def test_error_messages_on_the_terminal_are_redacted(monkeypatch, capsys):
    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED)

    def fail(args):
        raise ConfigError(f"provider refused the key {PLANTED}")

    monkeypatch.setattr("town.commands.run.run_command", fail)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert PLANTED not in err and REDACTED in err
