"""Cognition of the town's agents: persona, memory stream, retrieval, planning, reflection, reaction, dialogue, prompts.

Imports `town.core` types only; the heavy backends (litellm, llama.cpp, FAISS, sentence-transformers) live behind
lazy imports in `agents.llm`.
"""
