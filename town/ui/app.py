"""`App`: the window, its state stack (`TownView`, `ChatBox`, `HelpOverlay`) and the frame loop.

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

from town.runtime.live import Command, LiveSession

if TYPE_CHECKING:
    from town.persistence.replay_session import ReplaySession
from town.ui.camera import Camera
from town.ui.display import check_display
from town.ui.input_map import UiIntent, held_pan, intents, text_intents
from town.ui.overlays import HelpOverlay, MenuOverlay
from town.ui.panels import PANEL_W, draw_inspector
from town.ui.render import HUD_BG, PAPER, TownRenderer, draw_hud

STATUS_H = 30  # the status bar's height: the town shows below it
SCROLL_STEP = 48  # pixels the inspector moves per wheel notch
PAN_SPEED = 600  # screen pixels per second with a pan key held


class TownView:
    events = staticmethod(intents)

    def __init__(self, app: App) -> None:
        self.app = app
        self.selected: str | None = None
        self.follow = False
        self.bottom_margin = 0  # room kept free at the bottom of the screen (the replay timeline)
        self.directing = False  # "go": the next click on the map says where the selected agent goes
        self._seen: tuple[str, tuple[int, int]] | None = None  # the selected agent where the camera last saw them
        self.replay = False  # a replay's view hides the keys that only a live town has (F5, T, I, H)
        self.scroll = 0  # how far the inspector is scrolled down (mouse wheel over it)
        self.scroll_room = 0

    def select(self, name: str | None) -> None:
        self.selected = name
        self.app.session.send(Command(kind="inspect", agent=name))

    def process(self, intent: UiIntent) -> None:
        app, session = self.app, self.app.session
        if intent.kind == "toggle_pause":
            session.send(Command(kind="toggle_pause"))
        elif intent.kind == "step":
            session.send(Command(kind="step"))
        elif intent.kind == "speed":
            session.send(Command(kind="speed", speed=intent.speed))
        elif intent.kind == "zoom" and self.selected and intent.x >= app.size[0] - PANEL_W:
            self.scroll = max(0, self.scroll - intent.steps * SCROLL_STEP)  # the wheel over the inspector scrolls it
        elif intent.kind == "zoom":
            anchor = (intent.x, intent.y) if intent.x or intent.y else None
            app.camera.zoom_step(intent.steps, anchor)
        elif intent.kind == "drag":
            self.follow = False
            app.camera.pan(intent.dx, intent.dy)
        elif intent.kind == "select" and self.directing and self.selected:
            self.directing = False
            wx, wy = app.camera.to_world(intent.x, intent.y)
            arena = app.session.map.arena_at((int(wx // app.renderer.tile), int(wy // app.renderer.tile)))
            if arena is not None:
                session.send(Command(kind="direct", agent=self.selected, place=arena.address))
        elif intent.kind == "go" and self.selected:
            self.directing = True
        elif intent.kind == "add_agent":
            session.send(Command(kind="add_agent"))
        elif intent.kind == "wait_for_model":
            session.send(Command(kind="wait_for_model"))
        elif intent.kind == "feed":
            app.show_feed = not app.show_feed
        elif intent.kind == "select":
            hit = app.renderer.agent_at(session.snapshot, app.camera, (intent.x, intent.y))
            if hit is not None or intent.x < app.window.get_width() - 400 or self.selected is None:
                self.select(hit)
        elif intent.kind == "follow" and self.selected:
            self.follow = not self.follow
        elif intent.kind in ("talk", "interview", "whisper") and self.selected:
            mode = "visitor" if intent.kind == "talk" else intent.kind
            app.states.append(ChatBox(app, self.selected, mode, opened_by=intent.text))
        elif intent.kind == "escape" and self.directing:
            self.directing = False
        elif intent.kind == "escape":
            self.select(None)
            self.follow = False
        elif intent.kind == "help":
            app.states.append(HelpOverlay(app))
        elif intent.kind == "save":
            session.send(Command(kind="save"))
        elif intent.kind == "menu":
            app.states.append(MenuOverlay(app))

    def update(self, dt: float) -> None:
        dx, dy = held_pan()
        if dx or dy:
            self.follow = False
            self.app.camera.pan(dx * PAN_SPEED * dt, dy * PAN_SPEED * dt)
        if self.selected:
            agent = next((a for a in self.app.session.snapshot.agents if a.name == self.selected), None)
            # Newly selected, or walked under the panel on their own: bring them back (the player may still pan).
            moved = agent is not None and self._seen != (agent.name, agent.tile)
            if agent and (self.follow or (moved and self._under_panel(agent.tile))):
                self.keep_in_view([agent.tile])
            self._seen = (agent.name, agent.tile) if agent else None

    def free_area(self) -> pygame.Rect:
        """The part of the window the panels leave for the town: left of the inspector, between bar and feed."""
        w, h = self.app.size
        right = PANEL_W if self.selected else 0
        return pygame.Rect(0, STATUS_H, w - right, h - STATUS_H - self.bottom_margin)

    def _under_panel(self, tile: tuple[int, int]) -> bool:
        size = self.app.renderer.tile
        x, y = self.app.camera.to_screen((tile[0] + 0.5) * size, (tile[1] + 0.5) * size)
        return not self.free_area().inflate(-2 * size, -2 * size).collidepoint(x, y)

    def keep_in_view(self, tiles: list[tuple[int, int]]) -> None:
        """Centre the camera on these tiles in the free area (the selected agent never hides under the inspector)."""
        if not tiles:
            return
        size = self.app.renderer.tile
        wx = (sum(t[0] for t in tiles) / len(tiles) + 0.5) * size
        wy = (sum(t[1] for t in tiles) / len(tiles) + 0.5) * size
        area, camera = self.free_area(), self.app.camera
        camera.x = wx - (area.x + area.width / 2) / camera.zoom
        camera.y = wy - (area.y + area.height / 2) / camera.zoom
        camera.clamp()

    def draw(self, surface: pygame.Surface) -> None:
        snap = self.app.session.snapshot
        self.app.renderer.draw(surface, snap, self.app.camera, self.app.frame, self.selected)
        draw_hud(
            surface,
            self.app.renderer,
            snap,
            self.selected,
            self.app.fps,
            bottom=self.bottom_margin,
            feed=self.app.show_feed,
            replay=self.replay,
        )
        if self.directing and self.selected:
            hint = self.app.renderer.font.render(
                f"click where {self.selected} should go (Esc: cancel)", True, (255, 230, 120)
            )
            box = hint.get_rect(midtop=(surface.get_width() // 2, 64)).inflate(14, 8)
            pygame.draw.rect(surface, HUD_BG, box, border_radius=6)
            surface.blit(hint, hint.get_rect(center=box.center))
        if snap.inspected is not None and snap.inspected.name == self.selected:
            chat = self.app.states[-1] if isinstance(self.app.states[-1], ChatBox) else None
            self.scroll_room = draw_inspector(
                surface,
                self.app.renderer.fonts,
                snap.inspected,
                chat.mode if chat else None,
                chat.typed if chat else "",
                replay=self.replay,
                scroll=self.scroll,
            )
            self.scroll = min(self.scroll, self.scroll_room)


class ChatBox:
    """Typing to the selected agent: as a visitor (remembered), an interviewer (not remembered), or a whisper."""

    events = staticmethod(text_intents)

    def __init__(self, app: App, agent: str, mode: str, opened_by: str = "") -> None:
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


class App:
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
        if not replay:
            return TownView(self)
        from town.ui.replay_view import ReplayView  # noqa: PLC0415 - only replays need it

        return ReplayView(self)

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
