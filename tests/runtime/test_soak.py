"""The soak, short: every provider fault at 10% (no crash, no lost tick), a dying endpoint and a full disk."""

import json

from agents.llm.fakes import SchemaFakeModel
from agents.llm.faults import FAULTS, FaultInjectingModel, FaultRates
from agents.llm.protocol import ChatMessage, SamplingParams
from town.bench import soak
from town.cli import main


def test_a_short_soak_survives_every_fault(capsys):
    figures = soak.soak(agents=6, hours=4, rate=0.1, seed=3)
    assert figures["crashes"] == 0 and figures["lost_ticks"] == 0, figures["crash_messages"]
    assert all(figures["faults_injected"][fault] > 0 for fault in FAULTS), figures["faults_injected"]
    assert figures["calls_by_outcome"]["invalid"] > 0 and figures["answers_repaired"] > 0
    assert figures["conversations"] > 0 and figures["utterances"] > 0
    dying, full = figures["endings"]["dying_endpoint"], figures["endings"]["full_disk"]
    assert dying["reason"] == "provider_unavailable" and dying["ticks"] < dying["of_ticks"] and dying["log_closed"]
    # The gateway gives up after 12 calls failed in a row, each tried 4 times: it stops knocking on a dead door.
    assert dying["refused_connections"] <= 12 * 4 + 6 * 4  # calls already in flight when it gave up add a few
    assert full["reason"] == "write_failed" and full["ticks"] < full["of_ticks"] and full["log_lines_whole"] > 0
    assert "is whole up to tick" in full["message"]


def test_the_soak_command_prints_its_summary_and_exit_code(capsys):
    assert main(["soak", "--agents", "3", "--hours", "1", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures["faults_injected"]) == set(FAULTS)
    assert main(["soak", "--rate", "0.5"]) == 2  # six kinds at 50% each cannot fit in one call
    assert main(["soak", "--agents", "0"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == "error: town soak: field 'agents': Input should be greater than or equal to 1"


async def _ask(model, text):
    return await model.complete(
        [ChatMessage(role="user", content=text)], schema=None, purpose="p", params=SamplingParams()
    )


def test_faults_are_reproducible_and_a_retry_can_succeed():
    import asyncio

    def outcomes(seed):
        model = FaultInjectingModel(SchemaFakeModel(), FaultRates(server_error=0.5), seed=seed)
        results = []
        for text in ["a", "b", "c", "a", "a", "a"]:
            try:
                asyncio.run(_ask(model, text))
                results.append("ok")
            except Exception as exc:
                results.append(type(exc).__name__)
        return results

    assert outcomes(2) == outcomes(2)  # the same seed injects the same faults
    repeats_of_a = [r for text, r in zip("abcaaa", outcomes(2), strict=True) if text == "a"]
    assert repeats_of_a == ["ProviderError", "ok", "ProviderError", "ok"]  # each attempt is drawn afresh
    assert outcomes(1) != outcomes(2)
