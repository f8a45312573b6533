"""Keeping API keys out of everything the town writes: `redact`.

Keys only ever come from the environment. Text that may carry one — a provider's error message, an exception shown to
the user — passes through `redact` before it reaches a log, a save, a cache or the terminal: the values of environment
variables named like secrets, and strings shaped like well-known provider keys, become "[redacted]".
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)
# Shorter values are too likely to be ordinary words ("true", a region name) to hide everywhere they occur.
_MIN_SECRET_LENGTH = 8
_KEY_SHAPES = re.compile(
    r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{30,}|hf_[A-Za-z0-9]{24,}|gsk_[A-Za-z0-9]{24,}"
    r"|xai-[A-Za-z0-9]{24,}|r8_[A-Za-z0-9]{24,})"
)
REDACTED = "[redacted]"


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    values = {v for k, v in env.items() if _SECRET_NAME.search(k) and len(v) >= _MIN_SECRET_LENGTH}
    return sorted(values, key=len, reverse=True)  # longest first, so a key containing another is hidden whole


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    for value in secret_values(environ):
        if value in text:
            text = text.replace(value, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)
