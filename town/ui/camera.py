"""`Camera`: where the window looks in the world, at what zoom; pure arithmetic, no pygame."""

from __future__ import annotations

from dataclasses import dataclass

ZOOMS = (0.5, 0.75, 1.0, 1.5, 2.0)


@dataclass
class Camera:
    """Top-left corner in world pixels, a zoom factor, and the window size in pixels."""

    x: float
    y: float
    zoom: float
    view_w: int
    view_h: int
    world_w: int
    world_h: int

    def to_screen(self, wx: float, wy: float) -> tuple[int, int]:
        return round((wx - self.x) * self.zoom), round((wy - self.y) * self.zoom)

    def to_world(self, sx: float, sy: float) -> tuple[float, float]:
        return sx / self.zoom + self.x, sy / self.zoom + self.y

    def pan(self, dx_screen: float, dy_screen: float) -> None:
        self.x += dx_screen / self.zoom
        self.y += dy_screen / self.zoom
        self.clamp()

    def center_on(self, wx: float, wy: float) -> None:
        self.x = wx - self.view_w / (2 * self.zoom)
        self.y = wy - self.view_h / (2 * self.zoom)
        self.clamp()

    def zoom_step(self, steps: int, anchor: tuple[float, float] | None = None) -> None:
        """Move along the zoom levels, keeping the world point under `anchor` (screen pixels) in place."""
        ax, ay = anchor if anchor is not None else (self.view_w / 2, self.view_h / 2)
        wx, wy = self.to_world(ax, ay)
        index = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - self.zoom))
        self.zoom = ZOOMS[max(0, min(len(ZOOMS) - 1, index + steps))]
        self.x, self.y = wx - ax / self.zoom, wy - ay / self.zoom
        self.clamp()

    def clamp(self) -> None:
        """Keep the map on screen; a map smaller than the view is centred."""
        visible_w, visible_h = self.view_w / self.zoom, self.view_h / self.zoom
        if visible_w >= self.world_w:
            self.x = (self.world_w - visible_w) / 2
        else:
            self.x = min(max(self.x, 0.0), self.world_w - visible_w)
        if visible_h >= self.world_h:
            self.y = (self.world_h - visible_h) / 2
        else:
            self.y = min(max(self.y, 0.0), self.world_h - visible_h)
