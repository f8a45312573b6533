"""Persistence: the JSONL trajectory log and its telemetry sidecar."""
