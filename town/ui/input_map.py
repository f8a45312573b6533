"""The one place where pygame events become typed UI intents (`UiIntent`)."""

from __future__ import annotations

from typing import Literal

import pygame
from pydantic import BaseModel, ConfigDict

COMMAND_KEYS = {
    pygame.K_q: "quit",
    pygame.K_SPACE: "toggle_pause",
    pygame.K_n: "step",
    pygame.K_f: "follow",
    pygame.K_t: "talk",
    pygame.K_i: "interview",
    pygame.K_h: "whisper",
    pygame.K_F5: "save",
    pygame.K_m: "menu",
    pygame.K_k: "fork",
    pygame.K_g: "go",
    pygame.K_p: "add_agent",
    pygame.K_l: "wait_for_model",
    pygame.K_e: "feed",
}
# Replay: the next (Shift: previous) conversation, reflection or intervention; brackets: any marker.
JUMP_KEYS = {
    pygame.K_c: "conversation",
    pygame.K_r: "reflection",
    pygame.K_v: "intervention",
    pygame.K_RIGHTBRACKET: "",
    pygame.K_LEFTBRACKET: "",
}
SPEED_KEYS = {
    pygame.K_1: "1x",
    pygame.K_2: "2x",
    pygame.K_3: "4x",
    pygame.K_4: "8x",
    pygame.K_5: "max",
    pygame.K_6: "32x",  # replay only
}
PAN_KEYS = {
    pygame.K_LEFT: (-1, 0),
    pygame.K_a: (-1, 0),
    pygame.K_RIGHT: (1, 0),
    pygame.K_d: (1, 0),
    pygame.K_UP: (0, -1),
    pygame.K_w: (0, -1),
    pygame.K_DOWN: (0, 1),
    pygame.K_s: (0, 1),
}
HELP_LINES = (
    ("Space", "pause / resume"),
    ("N", "advance one tick (pauses)"),
    ("1 2 3 4 5 (6)", "speed 1x, 2x, 4x, 8x, max (replay: 16x, 32x)"),
    ("Arrows / WASD / drag", "pan the camera"),
    ("Wheel / + -", "zoom"),
    ("Click", "select an agent"),
    ("F", "follow the selected agent"),
    ("T", "talk to the selected agent as a visitor (remembered)"),
    ("I", "interview the selected agent (not remembered)"),
    ("H", "whisper an inner thought to the selected agent"),
    ("G, then click", "send the selected agent to the place you click"),
    ("P", "a new person (the next from the persona folder) moves in"),
    ("L", "wait for the model: game time waits for answers that are due (for slow models)"),
    ("E", "show / hide the event feed"),
    ("Enter / Up / Down", "send; recall earlier lines (in the chat box)"),
    ("Esc", "clear selection / close help"),
    ("F5", "save now (to saves/<run>; also every few game minutes)"),
    ("M", "menu: save, help, quit"),
    ("C R V  (Shift: back)", "replay: next conversation, reflection, intervention"),
    ("[ ]  /  click timeline", "replay: previous / next event; seek"),
    ("K", "replay: fork here and continue live"),
    ("F1 or ?", "this help"),
    ("Q / close window", "quit: the town is saved and the log closed"),
)


class UiIntent(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: Literal[
        "quit",
        "toggle_pause",
        "step",
        "speed",
        "pan",
        "drag",
        "zoom",
        "select",
        "follow",
        "help",
        "escape",
        "talk",
        "interview",
        "whisper",
        "text",
        "backspace",
        "submit",
        "history_up",
        "history_down",
        "save",
        "menu",
        "fork",
        "jump",
        "go",
        "add_agent",
        "wait_for_model",
        "feed",
    ]
    text: str = ""
    speed: str = ""
    dx: float = 0.0
    dy: float = 0.0
    steps: int = 0
    backwards: bool = False
    x: int = 0
    y: int = 0


def intents(event: pygame.event.Event) -> list[UiIntent]:
    if event.type == pygame.QUIT:
        return [UiIntent(kind="quit")]
    if event.type == pygame.KEYDOWN:
        key = event.key
        if key in COMMAND_KEYS:
            # The character the key types goes along, so a chat box it opens can drop that same character.
            return [UiIntent(kind=COMMAND_KEYS[key], text=getattr(event, "unicode", "") or "")]  # type: ignore[arg-type]
        if key in JUMP_KEYS:
            backwards = key == pygame.K_LEFTBRACKET or bool(event.mod & pygame.KMOD_SHIFT)
            return [UiIntent(kind="jump", text=JUMP_KEYS[key], backwards=backwards)]
        if key in SPEED_KEYS:
            return [UiIntent(kind="speed", speed=SPEED_KEYS[key])]
        if key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            return [UiIntent(kind="zoom", steps=1)]
        if key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            return [UiIntent(kind="zoom", steps=-1)]
        if key == pygame.K_F1 or event.unicode == "?":
            return [UiIntent(kind="help")]
        if key == pygame.K_ESCAPE:
            return [UiIntent(kind="escape")]
    if event.type == pygame.MOUSEWHEEL:
        x, y = pygame.mouse.get_pos()
        return [UiIntent(kind="zoom", steps=1 if event.y > 0 else -1, x=x, y=y)]
    if event.type == pygame.MOUSEBUTTONUP and event.button == 1:
        return [UiIntent(kind="select", x=event.pos[0], y=event.pos[1])]
    if event.type == pygame.MOUSEMOTION and event.buttons[0]:
        return [UiIntent(kind="drag", dx=-event.rel[0], dy=-event.rel[1], x=event.pos[0], y=event.pos[1])]
    return []


def text_intents(event: pygame.event.Event) -> list[UiIntent]:
    """Keys while typing in the chat box: text goes to the box, not to the game's shortcuts."""
    if event.type == pygame.QUIT:
        return [UiIntent(kind="quit")]
    if event.type == pygame.TEXTINPUT:
        return [UiIntent(kind="text", text=event.text)]
    if event.type == pygame.KEYDOWN:
        mapping = {
            pygame.K_RETURN: "submit",
            pygame.K_KP_ENTER: "submit",
            pygame.K_BACKSPACE: "backspace",
            pygame.K_ESCAPE: "escape",
            pygame.K_UP: "history_up",
            pygame.K_DOWN: "history_down",
        }
        if event.key in mapping:
            return [UiIntent(kind=mapping[event.key])]  # type: ignore[arg-type]
    return []


def held_pan() -> tuple[int, int]:
    """Direction of the pan keys held down this frame."""
    pressed = pygame.key.get_pressed()
    dx = sum(d[0] for k, d in PAN_KEYS.items() if pressed[k])
    dy = sum(d[1] for k, d in PAN_KEYS.items() if pressed[k])
    return dx, dy
