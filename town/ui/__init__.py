"""The pygame desktop app — the only package that imports pygame.

`app` runs the window and its state stack, `render` draws snapshots, `art` makes the pixel art in code, `tiles` reads
a Tiled map's tilesets, `camera` maps the world to the screen.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
