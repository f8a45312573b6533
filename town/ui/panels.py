"""The inspector side panel: `draw_inspector`.

It shows the persona, current action and place, today's plan with the current block marked, top memories with their
recency / importance / relevance scores, relationships, and the chat with the player, hosting the chat box.
"""

from __future__ import annotations

import math

import pygame

from town.runtime.snapshot import InspectorView
from town.ui.text import clip_words, wrap_words

PANEL_W = 400
CANVAS_H = 2400  # the panel's content is drawn this tall at most, then shown a window's height at a time
BG = (24, 26, 34, 255)  # opaque: the town under the panel must not show through the text
TEXT = (235, 236, 240)
DIM = (160, 165, 180)
ACCENT = (255, 214, 102)
YOU = (150, 200, 255)


def _blit_lines(
    surface: pygame.Surface,
    font: pygame.font.Font,
    text: str,
    x: int,
    y: int,
    width: int,
    colour: tuple[int, int, int] = TEXT,
    limit: int = 99,
) -> int:
    chars = max(10, width // 7)
    for line in wrap_words(text, chars, lines=limit):
        surface.blit(font.render(line, True, colour), (x, y))
        y += font.get_linesize()
    return y


def draw_inspector(
    surface: pygame.Surface,
    fonts: tuple[pygame.font.Font, pygame.font.Font, pygame.font.Font],
    view: InspectorView,
    chat_mode: str | None,
    typed: str,
    replay: bool = False,
    scroll: int = 0,
) -> int:
    """Draw the panel; return how far its content can scroll (0 when it all fits).

    While typing, the newest lines of the chat are shown; otherwise the panel shows from `scroll` pixels down.
    """
    small, font, big = fonts
    w, h = surface.get_size()
    x0, top = w - PANEL_W, 30
    box_h = 28
    visible = h - top - (box_h + 20 if chat_mode else 0)
    canvas = pygame.Surface((PANEL_W, CANVAS_H))
    canvas.fill(BG[:3])
    x, y, inner = 12, 8, PANEL_W - 24
    canvas.blit(big.render(view.name, True, ACCENT), (x, y))
    y += 26
    y = _blit_lines(canvas, small, view.summary, x, y, inner, DIM, limit=4) + 4
    y = _blit_lines(canvas, font, f"Doing: {view.action} — {view.place}", x, y, inner) + 6
    canvas.blit(font.render("Today's plan  (> the block for this hour)", True, ACCENT), (x, y))
    y += 18
    start = max(0, view.current_block - 2)
    for i, (when, activity) in enumerate(view.schedule[start : start + 6], start=start):
        current = i == view.current_block
        colour = ACCENT if current else TEXT
        marker = "> " if current else "  "
        canvas.blit(small.render(clip_words(f"{marker}{when} {activity}", 62), True, colour), (x, y))
        y += 15
    for step in view.next_steps[:3]:
        canvas.blit(small.render(clip_words(f"     next: {step}", 62), True, DIM), (x, y))
        y += 15
    y += 6

    canvas.blit(font.render(view.memories_title, True, ACCENT), (x, y))
    y += 18
    for memory in view.memories[:5]:
        relevance = "–" if math.isnan(memory.relevance) else f"{memory.relevance:.2f}"  # not logged: replay
        scores = f"{memory.recency:.2f} · {memory.importance:g}/10 · {relevance}"
        canvas.blit(small.render(scores, True, DIM), (x, y))
        y = _blit_lines(canvas, small, memory.text, x + 110, y, inner - 110, TEXT, limit=2) + 2
    y += 4
    if view.relationships:
        canvas.blit(font.render("Relationships", True, ACCENT), (x, y))
        y += 18
        for person, relation in view.relationships[:5]:
            canvas.blit(small.render(clip_words(f"{person}: {relation}", 62), True, TEXT), (x, y))
            y += 15
    y += 6

    title = "Lines heard and said" if replay else "Chat  (T talk · I interview · H whisper)"
    canvas.blit(font.render(title, True, ACCENT), (x, y))
    y += 18
    for speaker, text in view.chat:
        colour = YOU if speaker in ("You", "Interviewer", "(whisper)") else TEXT
        y = _blit_lines(canvas, small, f"{speaker}: {text}", x, y, inner, colour)
    if view.waiting:
        canvas.blit(small.render(f"{view.name} is thinking…", True, DIM), (x, y))
        y += 15
    content = min(CANVAS_H, y + 8)
    room = max(0, content - visible)
    offset = room if chat_mode else max(0, min(scroll, room))
    pygame.draw.rect(surface, BG[:3], (x0, top, PANEL_W, h - top))
    surface.blit(canvas, (x0, top), area=pygame.Rect(0, offset, PANEL_W, visible))
    if room:  # a scroll bar: where this view is in the whole panel
        bar_h = max(20, visible * visible // content)
        bar_y = top + (visible - bar_h) * offset // room
        pygame.draw.rect(surface, (90, 96, 120), (w - 5, bar_y, 3, bar_h), border_radius=2)
    if chat_mode:
        box = pygame.Rect(x0 + x, h - box_h - 10, inner, box_h)
        pygame.draw.rect(surface, (250, 248, 240), box, border_radius=5)
        label = {"visitor": "Say", "interview": "Ask", "whisper": "Whisper"}[chat_mode]
        prompt = font.render(f"{label}: {typed}_"[-60:], True, (30, 30, 36))
        surface.blit(prompt, (box.left + 8, box.top + 6))
    return room
