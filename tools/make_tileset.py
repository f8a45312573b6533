"""Save the code-drawn town tileset as assets/tiles/town.png (what Tiled shows; the app draws the same tiles)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from town.ui.art import make_town_tileset  # noqa: E402

if __name__ == "__main__":
    pygame.display.init()
    out = Path(__file__).resolve().parents[1] / "assets" / "tiles" / "town.png"
    pygame.image.save(make_town_tileset(), str(out))
