"""`ChatBox`: typing to the selected agent, as a visitor, an interviewer or a whisper; hosted by the town view."""

from __future__ import annotations

import pygame

from town.runtime.live import Command
from town.ui.host import AppHost
from town.ui.input_map import UiIntent, text_intents


class ChatBox:
    """Typing to the selected agent: as a visitor (remembered), an interviewer (not remembered), or a whisper."""

    events = staticmethod(text_intents)

    def __init__(self, app: AppHost, agent: str, mode: str, opened_by: str = "") -> None:
        self.app = app
        self.agent = agent
        self.mode = mode
        self.typed = ""
        # The key that opened the box also arrives as text right after it (SDL sends both for one press): that
        # first character is the shortcut, not the start of the message.
        self._opened_by = opened_by.lower()
        self._opened_frame = app.frame
        self.history: list[str] = []
        self._recall = 0

    def process(self, intent: UiIntent) -> None:
        opened_by, self._opened_by = self._opened_by, ""
        if (
            intent.kind == "text"
            and opened_by
            and intent.text.lower() == opened_by
            and self.app.frame <= self._opened_frame + 1
        ):
            return
        if intent.kind == "text":
            self.typed += intent.text
        elif intent.kind == "backspace":
            self.typed = self.typed[:-1]
        elif intent.kind == "escape":
            self.app.states.pop()
        elif intent.kind in ("history_up", "history_down") and self.history:
            step = -1 if intent.kind == "history_up" else 1
            self._recall = max(0, min(len(self.history), self._recall + step))
            self.typed = self.history[self._recall] if self._recall < len(self.history) else ""
        elif intent.kind == "submit" and self.typed.strip():
            text = self.typed.strip()
            if self.mode == "whisper":
                self.app.session.send(Command(kind="whisper", agent=self.agent, text=text))
            else:
                self.app.session.send(Command(kind="say", agent=self.agent, mode=self.mode, text=text))  # type: ignore[arg-type]
            self.history.append(text)
            self._recall = len(self.history)
            self.typed = ""

    def update(self, dt: float) -> None:
        return None

    def draw(self, surface: pygame.Surface) -> None:
        return None  # drawn by the town view's inspector, which hosts the box
