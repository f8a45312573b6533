"""The app's modal overlays: `MenuOverlay` (save, help, save and quit) and `HelpOverlay` (the keys).

Each is an opaque panel over the dimmed town (`modal_panel`). They see the app through `AppHost`, the little of
it they use, so this module does not import the app.
"""

from __future__ import annotations

import pygame

from town.runtime.live import Command
from town.ui.host import AppHost
from town.ui.input_map import HELP_LINES, UiIntent, intents
from town.ui.render import PANEL_BG, PAPER


class MenuOverlay:
    """The game menu: save now, help, save and quit, back. Items answer to their key or a click."""

    events = staticmethod(intents)
    ITEMS = (
        ("F5", "Save now", "save"),
        ("F1", "Keys and help", "help"),
        ("Q", "Save and quit", "quit"),
        ("Esc", "Back", "escape"),
    )
    WIDTH, ROW = 320, 34

    def __init__(self, app: AppHost) -> None:
        self.app = app
        self.rects = self._layout(app.window.get_size())

    def _layout(self, size: tuple[int, int]) -> list[tuple[pygame.Rect, str]]:
        """Where each item sits on a screen of `size` (the same for drawing and for clicks)."""
        w, h = self.WIDTH, 56 + self.ROW * len(self.ITEMS)
        x0, y0 = (size[0] - w) // 2, (size[1] - h) // 2
        return [
            (pygame.Rect(x0 + 12, y0 + 46 + self.ROW * i, w - 24, self.ROW - 6), what)
            for i, (_, _, what) in enumerate(self.ITEMS)
        ]

    def process(self, intent: UiIntent) -> None:
        kind = intent.kind
        if kind == "select":
            kind = next((what for rect, what in self.rects if rect.collidepoint(intent.x, intent.y)), "")  # type: ignore[assignment]
        if kind == "save":
            self.app.session.send(Command(kind="save"))
            self.app.states.pop()
        elif kind == "help":
            self.app.states[-1] = HelpOverlay(self.app)
        elif kind == "quit":
            self.app.quit_requested = True
        elif kind in ("escape", "menu"):
            self.app.states.pop()

    def update(self, dt: float) -> None:
        return None

    def draw(self, surface: pygame.Surface) -> None:
        renderer = self.app.renderer
        w, h = self.WIDTH, 56 + self.ROW * len(self.ITEMS)
        x0, y0 = (surface.get_width() - w) // 2, (surface.get_height() - h) // 2
        modal_panel(surface, pygame.Rect(x0, y0, w, h))
        surface.blit(renderer.big.render("Menu", True, PAPER), (x0 + 16, y0 + 12))
        self.rects = self._layout(surface.get_size())
        for (key, label, _), (rect, _) in zip(self.ITEMS, self.rects, strict=True):
            pygame.draw.rect(surface, (70, 78, 100), rect, border_radius=6)
            surface.blit(renderer.font.render(key, True, (255, 230, 120)), (rect.x + 10, rect.y + 6))
            surface.blit(renderer.font.render(label, True, PAPER), (rect.x + 70, rect.y + 6))


def modal_panel(surface: pygame.Surface, box: pygame.Rect) -> None:
    """An opaque panel over a dimmed town (and over the inspector): what is behind it cannot mix with its text."""
    veil = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
    veil.fill((0, 0, 0, 120))
    surface.blit(veil, (0, 0))
    pygame.draw.rect(surface, PANEL_BG, box, border_radius=8)
    pygame.draw.rect(surface, (90, 96, 120), box, 1, border_radius=8)


class HelpOverlay:
    events = staticmethod(intents)

    def __init__(self, app: AppHost) -> None:
        self.app = app

    def process(self, intent: UiIntent) -> None:
        if intent.kind in ("help", "escape"):
            self.app.states.pop()

    def update(self, dt: float) -> None:
        return None

    def draw(self, surface: pygame.Surface) -> None:
        font = self.app.renderer.font
        rows = [(font.render(k, True, (255, 230, 120)), font.render(v, True, PAPER)) for k, v in HELP_LINES]
        w = 680
        h = 50 + 22 * len(rows)
        x0, y0 = (surface.get_width() - w) // 2, max(4, (surface.get_height() - h) // 2)
        modal_panel(surface, pygame.Rect(x0, y0, w, h))
        surface.blit(self.app.renderer.big.render("Keys", True, PAPER), (x0 + 16, y0 + 12))
        for i, (key, what) in enumerate(rows):
            surface.blit(key, (x0 + 16, y0 + 44 + 22 * i))
            surface.blit(what, (x0 + 190, y0 + 44 + 22 * i))
