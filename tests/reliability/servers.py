"""Real HTTP servers on 127.0.0.1 that misbehave the way model servers do: silent, 404, 501, or dying mid-run."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ModelServer(ThreadingHTTPServer):
    """An OpenAI-compatible chat endpoint; `mode` says how it behaves, `answers` how many replies it gives first."""

    daemon_threads = True

    def __init__(self, mode: str, answers: int = 10**9, refuse: dict[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.answers = answers
        # mode "schema": a valid answer to whatever schema is asked, except plain prose when the schema has the
        # property KEY and the conversation mentions refuse[KEY] (a model that fails on one topic, every time).
        self.refuse = refuse or {}
        self.requests = 0
        self.released = threading.Event()
        self.formats: list[str] = []  # the response_format type of every request ("-" for none)
        self.delay_s = 0.0  # how long each answer takes
        self.in_flight = 0
        self.peak_in_flight = 0  # the most requests it was ever serving at once
        self._count = threading.Lock()
        self.times: list[float] = []  # when each request arrived (time.monotonic)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _JsonHandler(BaseHTTPRequestHandler):
    """Quiet, and answers JSON: what both test servers' handlers share."""

    def log_message(self, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        blob = json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(blob)))
        self.end_headers()
        self.wfile.write(blob)


class _Handler(_JsonHandler):
    server: ModelServer

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        server = self.server
        with server._count:  # noqa: SLF001 - the handler is the server's own
            server.in_flight += 1
            server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
        try:
            if server.delay_s:
                time.sleep(server.delay_s)
            self._answer()
        finally:
            with server._count:  # noqa: SLF001
                server.in_flight -= 1

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests += 1
        self.server.times.append(time.monotonic())
        fmt = (body.get("response_format") or {}).get("type", "-")
        self.server.formats.append(fmt)
        mode = self.server.mode
        if mode == "llamacpp" and fmt == "json_schema":  # llama.cpp's server refuses OpenAI's json_schema
            self._send(500, {"error": {"message": "Unrecognized schema: json_schema"}})
            return
        if mode == "ratelimit" and self.server.requests % 2 == 1:  # every other request: come back in 1 s
            self._send(429, {"error": {"message": "slow down"}}, {"Retry-After": "1"})
            return
        if mode == "empty":  # 200 with no choices (a server under load)
            self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": "t", "choices": []})
            return
        if mode == "silent":
            self.server.released.wait(120)  # holds the connection open and never answers
            return
        if mode in ("404", "501"):
            self._send(int(mode), {"error": {"message": f"{mode} from the test server"}})
            return
        if self.server.requests > self.server.answers:
            self.server.mode = "gone"
            self.server.released.set()
            self.close_connection = True
            return
        content = '{"ok": true}' if fmt != "-" else "ok"
        if mode == "schema":
            content = _schema_answer(body, self.server.refuse)
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "test",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
        }
        self._send(200, reply)


def _schema_answer(body: dict, refuse: dict[str, str]) -> str:
    """The smallest valid JSON for the request's schema: each string "Fine.", each integer 6 (within its bounds)."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
    properties = schema.get("properties") or {}
    said = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    if not properties or any(key in properties and marker in said for key, marker in refuse.items()):
        return "I would rather not say."
    answer: dict = {}
    for key, spec in properties.items():
        kind = spec.get("type")
        if "enum" in spec:
            answer[key] = spec["enum"][0]
        elif kind == "integer":
            answer[key] = min(max(6, spec.get("minimum", 6)), spec.get("maximum", 6))
        elif kind == "boolean":
            answer[key] = False
        elif kind == "string":
            answer[key] = "Fine."
    return json.dumps(answer)


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """Serve in a daemon thread for the block; a server holding a request open (`released`) lets it go first."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        released = getattr(server, "released", None)
        if released is not None:
            released.set()
        server.shutdown()
        server.server_close()


@contextmanager
def model_server(mode: str, answers: int = 10**9, refuse: dict[str, str] | None = None) -> Iterator[ModelServer]:
    with _serving(ModelServer(mode, answers, refuse)) as server:
        yield server  # type: ignore[misc]


class EmbeddingServer(ThreadingHTTPServer):
    """An OpenAI-compatible /v1/embeddings endpoint: each text's vector from a hash of it, rows sent in reverse order
    (each carries its `index`, as the API allows); `fail_first` requests answer 503 and, after `answers`, it is gone."""

    daemon_threads = True

    def __init__(self, dim: int = 8, fail_first: int = 0, answers: int = 10**9) -> None:
        super().__init__(("127.0.0.1", 0), _EmbeddingHandler)
        self.dim = dim
        self.fail_first = fail_first
        self.answers = answers
        self.requests = 0
        self.batch_sizes: list[int] = []
        self.short = False  # when set, every answer leaves out one row
        self._count = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def text_vector(text: str, dim: int) -> list[float]:
    import hashlib

    digest = hashlib.sha256(text.encode()).digest()
    return [(digest[i] - 127.5) / 127.5 for i in range(dim)]


class _EmbeddingHandler(_JsonHandler):
    server: EmbeddingServer

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with server._count:  # noqa: SLF001 - the handler is the server's own
            server.requests += 1
            count = server.requests
        texts = body.get("input") or []
        texts = [texts] if isinstance(texts, str) else texts
        if count <= server.fail_first or count > server.answers:
            self._send(503, {"error": {"message": "the embedding server is busy"}})
            return
        server.batch_sizes.append(len(texts))
        data = [
            {"object": "embedding", "index": i, "embedding": text_vector(t, server.dim)} for i, t in enumerate(texts)
        ]
        data = data[1:] if server.short else data
        self._send(200, {"object": "list", "data": data[::-1], "model": body.get("model", "x"), "usage": {
            "prompt_tokens": len(texts), "total_tokens": len(texts)}})  # fmt: skip


@contextmanager
def embedding_server(dim: int = 8, fail_first: int = 0, answers: int = 10**9) -> Iterator[EmbeddingServer]:
    with _serving(EmbeddingServer(dim, fail_first, answers)) as server:
        yield server  # type: ignore[misc]
