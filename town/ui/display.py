"""`check_display`: whether a window can be seen here, asked before anything is written."""

from __future__ import annotations

import os
import sys

import pygame

from town.core.errors import TownError

OFF_SCREEN_DRIVERS = ("offscreen", "dummy")


def check_display(command: str = "town play") -> None:
    """Fail with one line, before anything is written, when no window can be seen here.

    SDL quietly falls back to an off-screen driver when there is no display (the town would then run invisibly and
    never end), and on a dead X display it tries Wayland and prints a line about XDG_RUNTIME_DIR; so the display is
    looked for first, and the driver SDL actually chose is checked after. Only an explicit SDL_VIDEODRIVER=dummy (the
    tests' and benchmarks' off-screen rendering) is let through.
    """
    hint = "run it on a desktop or under Xvfb (xvfb-run town ...), or set SDL_VIDEODRIVER=dummy to render off-screen"
    requested = os.environ.get("SDL_VIDEODRIVER", "")
    if not requested and sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            raise TownError(f"{command}: no display to open a window on (DISPLAY is not set); {hint}")
        if not os.environ.get("WAYLAND_DISPLAY"):
            os.environ["SDL_VIDEODRIVER"] = "x11"  # an X display only: SDL must not wander off to Wayland
    try:
        pygame.display.init()
    except pygame.error as exc:
        raise TownError(f"{command}: cannot open a window ({exc}); {hint}") from None
    finally:
        if not requested:
            os.environ.pop("SDL_VIDEODRIVER", None)
    driver = pygame.display.get_driver()
    if driver == "offscreen" or (driver in OFF_SCREEN_DRIVERS and requested != driver):
        pygame.display.quit()
        raise TownError(
            f"{command}: SDL found no display (it chose the '{driver}' driver, which shows nothing); {hint}"
        )
