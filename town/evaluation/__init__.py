"""Evaluation: metrics over trajectory logs, the human reference, and the report (`town eval`)."""
