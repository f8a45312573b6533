"""`AppHost`: the little of the app that its states (town view, chat box, overlays) use.

The states type against this protocol instead of the concrete `App`, so the app imports its states and no state
imports the app.
"""

from __future__ import annotations

from typing import Any, Protocol

import pygame


class AppHost(Protocol):
    """The window and what lives beside it: the session, the renderer and camera, the state stack, frame figures."""

    window: pygame.Surface
    size: tuple[int, int]
    session: Any  # a LiveSession or a ReplaySession
    renderer: Any
    camera: Any
    states: list[Any]
    quit_requested: bool
    show_feed: bool
    frame: int
    fps: float
