"""`ReplayView`: the town view over a replay, with a timeline to scrub, markers to jump to and "fork here".

The timeline runs along the bottom of the window: a bar for the whole log, coloured ticks for conversations (blue),
reflections (violet) and interventions (orange), and the playhead. Click or drag on it to seek.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from town.runtime.live import Command
from town.ui.host import AppHost
from town.ui.input_map import UiIntent
from town.ui.panels import PANEL_W
from town.ui.render import HUD_BG, PANEL_BG, PAPER
from town.ui.text import wrap_words
from town.ui.town_view import TownView

if TYPE_CHECKING:
    from town.persistence.replay_session import ReplaySession

TIMELINE_H = 44
TRANSCRIPT_LINES = 10
MARKER_COLOURS = {"conversation": (110, 170, 255), "reflection": (190, 140, 255), "intervention": (255, 170, 80)}
_READ_ONLY = ("talk", "interview", "whisper", "save")


class ReplayView(TownView):
    def __init__(self, app: AppHost) -> None:
        super().__init__(app)
        self.bottom_margin = TIMELINE_H
        self.replay = True

    @property
    def replay_session(self) -> ReplaySession:
        return self.app.session  # type: ignore[return-value]

    def bar(self, size: tuple[int, int]) -> pygame.Rect:
        """The timeline's bar on a screen of `size` (left of the inspector when it is open)."""
        w, h = size
        right = PANEL_W if self.selected else 0
        return pygame.Rect(16, h - TIMELINE_H + 20, max(100, w - right - 32), 10)

    def process(self, intent: UiIntent) -> None:
        session = self.replay_session
        bar = self.bar(self.app.window.get_size())
        on_bar = bar.inflate(0, 24).collidepoint(intent.x, intent.y)
        if intent.kind in ("select", "drag") and on_bar:
            fraction = (intent.x - bar.x) / bar.width
            session.send(Command(kind="seek", tick=round(fraction * session.replay.last_tick)))
        elif intent.kind == "jump":
            session.send(Command(kind="jump", marker=intent.text, backwards=intent.backwards))
        elif intent.kind == "fork":
            session.send(Command(kind="fork"))
        elif intent.kind in _READ_ONLY:
            session.send(Command(kind="say" if intent.kind != "save" else "save"))
        else:
            super().process(intent)

    def update(self, dt: float) -> None:
        session = self.replay_session
        session.advance(dt)
        focus, session.focus = session.focus, None
        if focus is not None and focus.agents:
            self.selected = focus.agents[0]  # the session already inspects them
            tiles = [a.tile for a in session.snapshot.agents if a.name in focus.agents]
            self.keep_in_view(tiles)
            self._seen = next(((a.name, a.tile) for a in session.snapshot.agents if a.name == self.selected), None)
        super().update(dt)

    def draw(self, surface: pygame.Surface) -> None:
        super().draw(surface)
        session = self.replay_session
        replay = session.replay
        w, h = surface.get_size()
        bar = self.bar((w, h))
        strip = pygame.Surface((bar.width + 16, TIMELINE_H), pygame.SRCALPHA)
        strip.fill(HUD_BG)
        surface.blit(strip, (bar.x - 8, h - TIMELINE_H))
        pygame.draw.rect(surface, (70, 74, 90), bar, border_radius=4)
        last = max(1, replay.last_tick)
        for marker in replay.markers:
            x = bar.x + round(marker.tick / last * bar.width)
            pygame.draw.line(surface, MARKER_COLOURS[marker.kind], (x, bar.y - 5), (x, bar.bottom + 4))
        played = bar.copy()
        played.width = round(session.tick / last * bar.width)
        pygame.draw.rect(surface, (230, 200, 120), played, border_radius=4)
        knob = (bar.x + played.width, bar.centery)
        pygame.draw.circle(surface, PAPER, knob, 8)
        font = self.app.renderer.small
        state = "paused" if session.paused else f"playing {session.speed}"
        label = (
            f"{replay.clock.time_at(session.tick):%a %H:%M}  {state}  ·  "
            "C conversation  R reflection  V intervention  (Shift: back)  ·  K fork here"
        )
        surface.blit(font.render(label, True, PAPER), (bar.x, h - TIMELINE_H + 3))
        end = font.render(f"{replay.clock.time_at(replay.last_tick):%a %H:%M}", True, (180, 185, 200))
        surface.blit(end, (bar.right - end.get_width(), h - TIMELINE_H + 3))
        if session.transcript:
            self._draw_transcript(surface, session.transcript, bar)

    def _draw_transcript(self, surface: pygame.Surface, lines: list[str], bar: pygame.Rect) -> None:
        """The jumped-to conversation, whole, in a panel above the timeline (it is where the player looks)."""
        font = self.app.renderer.small
        width = min(bar.width + 16, 620)
        wrapped = [part for line in lines for part in wrap_words(line, width // 7)][-TRANSCRIPT_LINES:]
        height = 26 + 16 * len(wrapped)
        box = pygame.Rect(bar.x - 8, bar.y - 28 - height, width, height)
        pygame.draw.rect(surface, PANEL_BG, box, border_radius=6)
        pygame.draw.rect(surface, (90, 96, 120), box, 1, border_radius=6)
        surface.blit(
            font.render(f"The conversation ({len(lines)} lines)", True, (255, 214, 102)), (box.x + 8, box.y + 6)
        )
        for i, line in enumerate(wrapped):
            surface.blit(font.render(line, True, PAPER), (box.x + 8, box.y + 24 + 16 * i))
