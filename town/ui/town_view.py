"""`TownView`: the state at the bottom of the app's stack: the map, the status bar, the feed and the inspector.

It turns clicks and keys into commands for the session (select, follow, pause, speed, direct an agent) and opens the
chat box and the overlays on top of itself.
"""

from __future__ import annotations

import pygame

from town.runtime.live import Command
from town.ui.chat_box import ChatBox
from town.ui.host import AppHost
from town.ui.input_map import UiIntent, held_pan, intents
from town.ui.overlays import HelpOverlay, MenuOverlay
from town.ui.panels import PANEL_W, draw_inspector
from town.ui.render import HUD_BG, draw_hud

STATUS_H = 30  # the status bar's height: the town shows below it
SCROLL_STEP = 48  # pixels the inspector moves per wheel notch
PAN_SPEED = 600  # screen pixels per second with a pan key held


class TownView:
    events = staticmethod(intents)

    def __init__(self, app: AppHost) -> None:
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
