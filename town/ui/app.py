"""`App`: the window, its state stack (`TownView` or `ReplayView`, `ChatBox`, the overlays) and the frame loop.

Each state turns pygame events into typed intents (`events`), and has `process(intent)`, `update(dt)` and
`draw(surface)`; the state on top of the stack gets the input. The simulation runs in a `LiveSession` worker
thread; every frame reads the latest snapshot and sends typed commands back, so the window stays responsive however
slow the model is.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from town.runtime.live import LiveSession

if TYPE_CHECKING:
    from town.persistence.replay_session import ReplaySession
from town.ui.camera import Camera
from town.ui.chat_box import ChatBox
from town.ui.display import check_display
from town.ui.overlays import HelpOverlay, MenuOverlay
from town.ui.render import HUD_BG, PAPER, TownRenderer
from town.ui.replay_view import ReplayView
from town.ui.town_view import TownView


class App:
    """Owns the window, the session it shows, the renderer and camera, and the stack of states that take input."""

    def __init__(
        self, session: LiveSession | ReplaySession, size: tuple[int, int] = (1280, 720), *, replay: bool = False
    ) -> None:
        check_display()
        pygame.font.init()
        pygame.display.set_caption("Willowbrook")
        self.window = pygame.display.set_mode(size)
        self.size = size
        self.session = session
        town_map = session.map
        self.renderer = TownRenderer(town_map)
        world_w, world_h = town_map.width * town_map.tile_size, town_map.height * town_map.tile_size
        self.camera = Camera(0, 0, 1.0, size[0], size[1], world_w, world_h)
        self.camera.center_on(world_w / 2, world_h / 2)  # a big map opens on its middle, not its empty corner
        self.states: list[TownView | ChatBox | HelpOverlay | MenuOverlay] = [self._town_view(replay)]
        self.quit_requested = False
        self.show_feed = True  # E folds the event feed away
        self.frame = 0
        self.fps = 0.0
        self.frame_times: list[float] = []

    def _say_closing(self) -> None:
        """One last frame that says what closing waits for (a call in progress, the save), since it takes a moment."""
        snap = getattr(self.session, "snapshot", None)
        busy = getattr(snap, "in_flight", 0)
        text = "closing: " + ("finishing the call in progress, " if busy else "") + "saving the town and its log…"
        try:
            label = self.renderer.big.render(text, True, PAPER)
            box = label.get_rect(center=(self.window.get_width() // 2, self.window.get_height() // 2)).inflate(28, 18)
            pygame.draw.rect(self.window, HUD_BG, box, border_radius=8)
            self.window.blit(label, label.get_rect(center=box.center))
            pygame.display.flip()
        except pygame.error:
            pass  # the window is already gone (closed by the system)

    def _town_view(self, replay: bool) -> TownView:
        return ReplayView(self) if replay else TownView(self)

    def _take_successor(self) -> None:
        """A replay forked: continue in the live session it produced, looking at the same place."""
        successor = getattr(self.session, "successor", None)
        if successor is None:
            return
        selected = self.states[0].selected
        self.session = successor
        successor.start()
        self.states = [TownView(self)]
        if selected:
            self.states[0].select(selected)

    def run(
        self,
        *,
        max_frames: int | None = None,
        screenshot_dir: Path | None = None,
        screenshot_every: int = 0,
        stop_when: Callable[[App], bool] | None = None,
        last_frame: Path | None = None,
    ) -> None:
        """The frame loop until the window closes (or `max_frames`, or `stop_when` says so: for tests and benches)."""
        clock = pygame.time.Clock()
        self.session.start()
        try:
            while max_frames is None or self.frame < max_frames:
                dt = clock.tick(60) / 1000.0
                started = time.perf_counter()  # frame_times measure the work of a frame, not the wait for the cap
                for event in pygame.event.get():
                    for intent in self.states[-1].events(event):
                        if intent.kind == "quit":
                            self.quit_requested = True
                        else:
                            self.states[-1].process(intent)
                if self.quit_requested or self.session.error is not None or (stop_when and stop_when(self)):
                    break
                self._take_successor()
                for state in self.states:
                    state.update(dt)
                for state in self.states:
                    state.draw(self.window)
                pygame.display.flip()
                self.frame += 1
                self.frame_times.append(time.perf_counter() - started)
                self.fps = clock.get_fps()
                if screenshot_dir is not None and screenshot_every and self.frame % screenshot_every == 0:
                    pygame.image.save(self.window, str(screenshot_dir / f"frame-{self.frame:05d}.png"))
        finally:
            if last_frame is not None:  # the last frame as the player saw it (screenshots for docs and tests)
                pygame.image.save(self.window, str(last_frame))
            self._say_closing()
            signal_in_flight = sys.exc_info()[1]
            if isinstance(signal_in_flight, KeyboardInterrupt):  # Ctrl-C, SIGTERM or SIGHUP: say so in run_end
                name = str(signal_in_flight.args[0]) if signal_in_flight.args else "SIGINT"
                self.session.stop(reason="interrupted", detail=name)
            else:
                self.session.stop()
            pygame.display.quit()
        if self.session.error is not None:
            raise self.session.error
