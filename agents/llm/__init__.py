"""The LLM and embedding gateway.

`protocol` holds the one narrow model contract (`ChatModel.complete`); `structured` turns it into validated pydantic
answers with repair, fallback, retries, concurrency bounds, budgets and telemetry; `cache` records and replays calls;
`fakes` are deterministic test models. Real backends — `litellm_model` (every provider and the embedded SmolLM2 via
`local_llama`), `sentence_embedder`, `faiss_index` — import their heavy packages lazily, so a headless run on fakes
never loads them.
"""
