"""Text that fits: `clip_words` and `wrap_words` cut and wrap at word boundaries, never mid-word.

Used by the bubbles, the event feed, the inspector and the replay's transcript.
"""

from __future__ import annotations

import textwrap


def clip_words(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with an ellipsis when it was cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    if " " in cut and not text[len(cut)].isspace():
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


def wrap_words(text: str, width: int, lines: int | None = None) -> list[str]:
    """Whole-word lines of at most `width` characters; with `lines`, the last one kept ends in an ellipsis."""
    wrapped = textwrap.wrap(text, max(4, width), break_long_words=True, break_on_hyphens=False) or [""]
    if lines is not None and len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = clip_words(wrapped[-1] + " …", width) if len(wrapped[-1]) >= width - 1 else wrapped[-1] + "…"
    return wrapped
