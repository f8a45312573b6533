"""A model endpoint that cannot serve the run is refused before it starts (one line, nothing written)."""

import json
import socket

import pytest

from tests.reliability.cli import fingerprint, town
from tests.reliability.servers import model_server

OFFLINE = ["--embedder", "hashing", "--index", "numpy", "--quiet", "--hours", "0.1"]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("silent", "Timeout"),
        ("404", "an OpenAI-compatible --api-base usually ends in /v1"),
        ("501", "a test request failed"),
    ],
)
def test_an_endpoint_that_does_not_answer_is_refused_before_the_run(tmp_path, mode, expected):
    with model_server(mode) as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--preflight-timeout", "2", *OFFLINE]
        line = town(args, tmp_path, env={"OPENAI_API_KEY": "sk-test"}).one_error_line()
    assert f"model 'openai/test' at {server.base}: a test request failed" in line and expected in line
    assert list(tmp_path.iterdir()) == []  # no run folder, no save


def test_ollama_with_no_server_is_refused(tmp_path):
    port = _free_port()
    args = ["run", "--model", "ollama/llama3.1", "--api-base", f"http://127.0.0.1:{port}", *OFFLINE]
    line = town(args, tmp_path).one_error_line()
    assert "cannot connect" in line or "start the server" in line
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_answers_passes_and_no_preflight_skips_the_check(tmp_path):
    with model_server("ok") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", "--cache", "off", *OFFLINE]
        assert town(args, tmp_path, env={"OPENAI_API_KEY": "sk-test"}).code == 0
        calls = server.requests
    run_calls = json.loads((tmp_path / "r" / "summary.json").read_text())["totals"]["calls"]
    assert calls == run_calls + 2  # the test request and one structured-output probe, kept out of the run's figures
    with model_server("404") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "s", "--no-preflight", *OFFLINE]
        args += ["--outage-budget", "0"]  # end when 12 calls in a row failed, without pausing to probe
        done = town([*args, "--hours", "2"], tmp_path, env={"OPENAI_API_KEY": "sk-test"}, timeout=180)
    assert done.code == 2 and "the run stopped early" in done.lines[-1]  # no preflight: the run found out itself
    assert json.loads((tmp_path / "s" / "summary.json").read_text())["reason"] == "provider_unavailable"


def test_a_server_that_dies_mid_run_ends_it_as_provider_unavailable(tmp_path):
    config = _impatient(tmp_path)
    with model_server("ok", answers=8) as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", "--config", str(config)]
        done = town([*args, *OFFLINE[:-2], "--hours", "2"], tmp_path, env={"OPENAI_API_KEY": "sk-test"}, timeout=180)
        server.shutdown()
        server.server_close()
    assert done.code == 2 and "Traceback" not in done.err, done.err
    assert "the run stopped early: the model failed 12 calls in a row" in done.lines[-1]
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["reason"] == "provider_unavailable" and summary["totals"]["ticks"] < 720
    last = json.loads((tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()[-1])
    assert last["type"] == "run_end" and last["reason"] == "provider_unavailable"


def test_nothing_is_written_when_a_run_is_refused(tmp_path):
    with model_server("404") as server:
        before = fingerprint(tmp_path)
        args = ["run", "--model", "openai/test", "--api-base", server.base, "--out", "r", *OFFLINE]
        town(args, tmp_path, env={"OPENAI_API_KEY": "sk-test"}).one_error_line()
    assert fingerprint(tmp_path) == before and not (tmp_path / "saves").exists()


def _impatient(tmp_path):
    """A config that retries at once and gives up at once (the test waits for the failure, not for backoff or probes)."""
    path = tmp_path / "impatient.yaml"
    path.write_text("gateway:\n  backoff_seconds: 0\n  max_retries: 1\n  outage_budget_s: 0\n")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_missing_key_for_an_api_base_is_refused_with_the_keyless_alternative(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with model_server("ok") as server:
        args = ["run", "--model", "openai/test", "--api-base", server.base, *OFFLINE]
        line = town(args, tmp_path).one_error_line()
    assert "Missing credentials" in line and "a keyless local server: hosted_vllm/NAME" in line
    assert list(tmp_path.iterdir()) == []


def test_eval_checks_the_judge_before_any_interview(tmp_path, monkeypatch):
    """A judge behind a server that 404s is refused first, not after every agent has been interviewed."""
    assert town(["run", "--hours", "0.2", "--out", "r", "--model", "fake", *OFFLINE[:-2]], tmp_path).code == 0
    with model_server("404") as server:
        args = ["eval", "r", "--interview", "--model", "fake", "--embedder", "hashing", "--out", "rep"]
        args += ["--judge", "openai/judge", "--judge-api-base", server.base]
        done = town(args, tmp_path, env={"OPENAI_API_KEY": "sk-test"})
    assert done.code == 2 and done.lines[-1].startswith("error: model 'openai/judge' at"), done.err
    assert "evaluating" not in done.err  # refused before the first run was evaluated or interviewed
    assert not (tmp_path / "rep").exists()


def test_eval_checks_every_interview_model_before_any_run_is_evaluated(tmp_path):
    for name in ("a", "b"):
        assert town(["run", "--hours", "0.2", "--out", name, "--model", "fake", *OFFLINE[:-2]], tmp_path).code == 0
    with model_server("404") as server:
        args = ["eval", "a", "b", "--interview", "--model", "openai/x", "--api-base", server.base, "--out", "rep"]
        done = town([*args, "--embedder", "hashing"], tmp_path, env={"OPENAI_API_KEY": "sk-test"})
    assert done.code == 2 and done.lines[-1].startswith("error: model 'openai/x' at"), done.err
    assert "evaluating" not in done.err and not (tmp_path / "rep").exists()


def test_eval_marks_failed_interview_answers_and_judge_ratings_and_leaves_them_out(tmp_path):
    """Fallbacks are never results: an answer the model failed to give is not rated, a failed rating not averaged."""
    run = ["run", "--agents", "2", "--hours", "0.5", "--out", "r", "--model", "fake", "--autosave", "15"]
    assert town([*run, *OFFLINE[:-2]], tmp_path).code == 0
    # One server plays both parts: it cannot answer the interviewer about Kane Martinez, and as the judge it cannot
    # rate any answer about the election; everything else gets a valid answer (every rating a 6).
    refuse = {"reply": "Kane Martinez", "believability": "running for the election"}
    with model_server("schema", refuse=refuse) as server:
        args = ["eval", "r", "--embedder", "hashing", "--out", "rep", "--interview"]
        args += ["--model", "openai/townsfolk", "--api-base", server.base]
        args += ["--judge", "openai/judge", "--judge-api-base", server.base]
        done = town(args, tmp_path, env={"OPENAI_API_KEY": "sk-test"})
    assert done.code == 0, done.err
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    interviews = report["runs"][0]["interviews"]
    unanswered = [a for a in interviews if a["fallback"]]
    assert len(interviews) == 2 * 25 and {a["question"] for a in unanswered} == {"Who is Kane Martinez?"}
    assert len(unanswered) == 2
    judged = report["runs"][0]["judged"]
    assert "Who is Kane Martinez?" not in {j["question"] for j in judged}  # an answer never given is not rated
    failed = [j for j in judged if j["fallback"]]
    assert len(judged) == 48 and {j["question"] for j in failed} == {"Who is running for the election?"}
    (rating,) = report["judge"]
    assert rating["answers"] == 46 and rating["failed"] == 2
    assert rating["mean_believability"] == 6.0  # the judge's neutral stand-in (4) does not pull the mean down
    markdown = (tmp_path / "rep" / "report.md").read_text()
    assert "2 of 50 questions got no answer" in markdown and "| 46 | 2 |" in markdown
