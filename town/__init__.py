"""Willowbrook: a town of generative agents (headless engine, runtime, persistence, CLI)."""

__version__ = "0.1.0"
