"""`TownRenderer`: draws a `Snapshot` — map layers, furniture, agents, bubbles, day-night tint, HUD — onto a surface.

The map comes from `MapPainter` in cached chunks (art below the agents, then the foreground above them); agents,
labels and bubbles are drawn in screen space each frame, so cost grows with what is on screen, not with the map.
"""

from __future__ import annotations

from datetime import datetime

import pygame

from town.core.places import TownMap
from town.runtime.snapshot import AgentView, Snapshot
from town.ui import art
from town.ui.camera import Camera
from town.ui.dress import draw_lights
from town.ui.mapdraw import MapPainter
from town.ui.panels import PANEL_W
from town.ui.text import clip_words, wrap_words

INK = (30, 30, 36)
PAPER = (250, 248, 240)
HUD_BG = (24, 26, 34, 215)
PANEL_BG = (24, 26, 34)  # panels the player reads (help, menu, inspector, transcript) are opaque


def night_alpha(when: datetime) -> int:
    """Darkness of the night tint: 0 by day, up to 150 at night, fading over an hour at dusk and dawn."""
    hour = when.hour + when.minute / 60
    if 7 <= hour < 18.5:
        return 0
    if 18.5 <= hour < 19.5:
        return int(150 * (hour - 18.5))
    if 6 <= hour < 7:
        return int(150 * (7 - hour))
    return 150


class TownRenderer:
    def __init__(self, town_map: TownMap) -> None:
        self.map = town_map
        self.tile = town_map.tile_size
        self.font = pygame.font.Font(None, 18)
        self.small = pygame.font.Font(None, 15)
        self.big = pygame.font.Font(None, 24)
        self.fonts = (self.small, self.font, self.big)
        self._fonts: dict[int, pygame.font.Font] = {}
        self._bubbles: dict[tuple[object, ...], pygame.Surface | None] = {}
        self.painter = MapPainter(town_map, self.font)
        self._sprites: dict[tuple[str, tuple[int, int], int, bool], pygame.Surface] = {}
        self._icons: dict[str, pygame.Surface] = {}

    def _sprite(self, agent: AgentView, frame: int, zoom: float) -> pygame.Surface:
        key = (agent.name, agent.facing, frame % art.WALK_FRAMES if agent.moving else 0, agent.moving)
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = art.agent_sprite(agent.name, agent.facing, frame, agent.moving)
            self._sprites[key] = sprite
        size = round(self.tile * zoom)
        if sprite.get_size() != (size, size):
            sprite = pygame.transform.scale(sprite, (size, size))
        return sprite

    def draw(self, target: pygame.Surface, snap: Snapshot, camera: Camera, frame: int, selected: str | None) -> None:
        target.fill((20, 22, 28))
        self.painter.draw(target, camera, "below")
        # Only who is on screen (with room for a bubble) costs a frame anything, however big the town.
        view = target.get_rect().inflate(4 * self.tile * camera.zoom + 240, 4 * self.tile * camera.zoom + 120)
        ordered = sorted(
            (a for a in snap.agents if view.collidepoint(self._anchor(a, camera))), key=lambda a: a.tile[1]
        )
        for agent in ordered:
            self._draw_agent(target, agent, camera, frame, agent.name == selected)
        self.painter.draw(target, camera, "above")  # roofs and treetops over the villagers, as the map's art says
        self.painter.draw_labels(target, camera, self._font_of(max(13, min(26, round(18 * camera.zoom)))))
        self._draw_bubbles(target, ordered, camera)
        alpha = night_alpha(snap.time)
        if alpha:
            tint = pygame.Surface(target.get_size(), pygame.SRCALPHA)
            tint.fill((10, 16, 60, alpha))
            target.blit(tint, (0, 0))
            if self.painter.dressing is not None:  # lit windows and street lamps
                draw_lights(target, self.painter.dressing, camera.to_screen, camera.zoom, alpha)

    def agent_at(self, snap: Snapshot, camera: Camera, pos: tuple[int, int]) -> str | None:
        wx, wy = camera.to_world(*pos)
        tx, ty = int(wx // self.tile), int(wy // self.tile)
        return next((a.name for a in snap.agents if a.tile == (tx, ty)), None)

    def _icon(self, emoji: str) -> pygame.Surface:
        if emoji not in self._icons:
            self._icons[emoji] = art.icon(emoji)
        return self._icons[emoji]

    def _anchor(self, agent: AgentView, camera: Camera) -> tuple[int, int]:
        return camera.to_screen(agent.tile[0] * self.tile, agent.tile[1] * self.tile)

    def _draw_agent(self, target: pygame.Surface, agent: AgentView, camera: Camera, frame: int, selected: bool) -> None:
        x, y = self._anchor(agent, camera)
        size = round(self.tile * camera.zoom)
        if selected:
            pygame.draw.ellipse(target, (255, 230, 90), (x - 3, y + size - 9, size + 6, 10), 2)
        target.blit(self._sprite(agent, frame // WALK_FRAME_TICKS, camera.zoom), (x, y))
        if agent.asleep:
            z = self.big.render("z", True, (220, 230, 255))
            target.blit(z, (x + size - 6, y - 6 - (frame // 8) % 4))
        elif agent.thinking and not agent.speech:
            self._draw_thought(target, x + size - 2, y - 4, frame)
        name = self._name_font(camera.zoom).render(agent.name, True, PAPER)
        box = name.get_rect(midtop=(x + size // 2, y + size))
        pygame.draw.rect(target, (20, 20, 26), box.inflate(6, 2), border_radius=3)
        target.blit(name, box)

    def _draw_thought(self, target: pygame.Surface, x: int, y: int, frame: int) -> None:
        """A small thought cloud with dots that fill in turn: this agent waits for the model."""
        pygame.draw.circle(target, (245, 245, 255), (x - 6, y + 8), 3)
        cloud = pygame.Rect(x - 4, y - 10, 22, 14)
        pygame.draw.ellipse(target, (245, 245, 255), cloud)
        pygame.draw.ellipse(target, (90, 96, 120), cloud, 1)
        lit = (frame // 10) % 4
        for i in range(3):
            colour = (60, 66, 90) if i < lit else (180, 184, 200)
            pygame.draw.circle(target, colour, (cloud.left + 6 + 5 * i, cloud.centery), 2)

    def _bubble(self, agent: AgentView, camera: Camera) -> tuple[pygame.Surface, pygame.Rect, tuple[int, int]] | None:
        """An agent's bubble drawn on its own surface, where it would like to sit, and the head it points at."""
        x, y = self._anchor(agent, camera)
        size = round(self.tile * camera.zoom)
        head = (x + size // 2, y - 2)
        key = ("speech", agent.speech) if agent.speech else ("action", agent.action, agent.emoji, agent.asleep)
        if key not in self._bubbles:
            if len(self._bubbles) > BUBBLE_CACHE:
                self._bubbles.clear()
            self._bubbles[key] = self._bubble_surface(agent)
        surface = self._bubbles[key]
        if surface is None:
            return None
        return surface, surface.get_rect(midbottom=(head[0], head[1] - 6)), head

    def _bubble_surface(self, agent: AgentView) -> pygame.Surface | None:
        """The bubble itself, the same every frame for the same words (so it is drawn once and kept)."""
        if agent.speech:
            rendered = [self.font.render(line, True, INK) for line in wrap_words(agent.speech, 34, lines=3)]
            w = max(r.get_width() for r in rendered) + 12
            h = sum(r.get_height() for r in rendered) + 8
            surface = pygame.Surface((w, h), pygame.SRCALPHA)
            pygame.draw.rect(surface, PAPER, surface.get_rect(), border_radius=7)
            pygame.draw.rect(surface, INK, surface.get_rect(), 1, border_radius=7)
            ty = 4
            for r in rendered:
                surface.blit(r, (6, ty))
                ty += r.get_height()
        elif not agent.asleep and agent.action:
            label = self.small.render(clip_words(agent.action, 26), True, INK)
            surface = pygame.Surface((label.get_width() + 22, label.get_height() + 6), pygame.SRCALPHA)
            pygame.draw.rect(surface, (235, 240, 250), surface.get_rect(), border_radius=6)
            surface.blit(self._icon(agent.emoji), (2, surface.get_height() // 2 - 7))
            surface.blit(label, (18, 3))
        else:
            return None
        return surface

    def _draw_bubbles(self, target: pygame.Surface, agents: list[AgentView], camera: Camera) -> None:
        """Every bubble, stacked so that none covers another or a villager's name; a tail points at the speaker."""
        bubbles = [b for b in (self._bubble(a, camera) for a in agents) if b is not None]
        size = round(self.tile * camera.zoom)
        names = [self._name_box(a, camera, size) for a in agents]
        placed = layout_bubbles([box for _, box, _ in bubbles], names)
        for (surface, wanted, head), box in zip(bubbles, placed, strict=True):
            tip = (head[0], head[1] - 2)
            base = (max(box.left + 6, min(box.right - 6, head[0])), box.bottom - 1)
            if box.topleft != wanted.topleft:  # moved up out of the crowd: a line back to whoever speaks
                pygame.draw.line(target, INK, base, tip, 1)
            pygame.draw.polygon(target, PAPER, [(base[0] - 5, base[1]), (base[0] + 5, base[1]), (base[0], base[1] + 6)])
            target.blit(surface, box)

    def _name_box(self, agent: AgentView, camera: Camera, size: int) -> pygame.Rect:
        x, y = self._anchor(agent, camera)
        width, height = self._name_font(camera.zoom).size(agent.name)
        return pygame.Rect(0, 0, width + 6, height + 2).move(x + size // 2 - (width + 6) // 2, y + size)

    def _name_font(self, zoom: float) -> pygame.font.Font:
        """Name labels grow and shrink with the zoom, within what stays readable."""
        return self._font_of(max(12, min(20, round(15 * zoom))))

    def _font_of(self, size: int) -> pygame.font.Font:
        if size not in self._fonts:
            self._fonts[size] = pygame.font.Font(None, size)
        return self._fonts[size]


def layout_bubbles(wanted: list[pygame.Rect], keep_clear: list[pygame.Rect], gap: int = 3) -> list[pygame.Rect]:
    """Bubble boxes moved up (never down) until none overlaps another placed bubble or a box to keep clear.

    Bubbles are placed lowest first, so a crowd's bubbles stack upwards like a comic strip's.
    """
    order = sorted(range(len(wanted)), key=lambda i: (-wanted[i].bottom, wanted[i].centerx))
    placed: dict[int, pygame.Rect] = {}
    for i in order:
        box = wanted[i].copy()
        for _ in range(4 * len(wanted) + 4):
            blockers = [r for r in list(placed.values()) + keep_clear if box.colliderect(r.inflate(0, gap))]
            if not blockers:
                break
            box.bottom = min(r.top for r in blockers) - gap
        placed[i] = box
    return [placed[i] for i in range(len(wanted))]


FEED_LINES = 6
BUBBLE_CACHE = 512  # bubbles kept drawn; past this the cache starts over (lines change all day)
WALK_FRAME_TICKS = 6  # app frames per walk-cycle frame: ten steps a second at 60 fps
SLOW_CALL_S = 10.0  # a call running this long is shown as slow (amber)


def thinking_badge(snap: Snapshot) -> str:
    """What the town is waiting for, in words: the model away or gone, calls in flight, a clock held for the model."""
    parts = []
    if snap.model_gone:
        parts.append(f"the model is gone ({snap.model_gone}); agents live on routines — F5 saves, resume later")
    elif snap.model_away_s > 0:
        parts.append(f"the model is not answering ({snap.model_away_s:.0f} s): calls paused, probing")
    if snap.in_flight:
        parts.append(f"thinking: {snap.in_flight} call{'s' if snap.in_flight != 1 else ''} in flight")
        if snap.oldest_wait_s >= 1:
            parts.append(f"oldest {snap.oldest_wait_s:.0f} s")
    if snap.held:
        parts.append("the clock waits for the model (L: let it run)")
    elif snap.wait_for_model:
        parts.append("waits for the model when it is late (L: off)")
    return " · ".join(parts)


def draw_hud(
    target: pygame.Surface,
    renderer: TownRenderer,
    snap: Snapshot,
    selected: str | None,
    fps: float,
    bottom: int = 0,
    feed: bool = True,
    replay: bool = False,
) -> None:
    """Status bar (time, speed, agents, calls, tokens, cost, fallbacks) and the event feed."""
    w, h = target.get_size()
    bar = pygame.Surface((w, 26), pygame.SRCALPHA)
    bar.fill(HUD_BG)
    target.blit(bar, (0, 0))
    state = "paused" if snap.paused else snap.speed
    text = (
        f"{snap.time:%a %d %b %H:%M}   {state}   agents {len(snap.agents)}   calls {snap.calls}   "
        f"tokens {snap.tokens}   cost ${snap.cost:.4f}   fallbacks {snap.fallbacks}   {fps:.0f} fps"
    )
    shown = renderer.big.render(text, True, PAPER)
    target.blit(shown, (8, 4))
    badge = thinking_badge(snap)
    if badge:
        colour = (190, 220, 255)
        if snap.held or snap.oldest_wait_s >= SLOW_CALL_S:
            colour = (255, 214, 110)
        if snap.model_gone or snap.model_away_s > 0:
            colour = (255, 140, 130)
        label = renderer.small.render(badge, True, colour)
        box = label.get_rect(topleft=(8, 30)).inflate(10, 6)
        pygame.draw.rect(target, HUD_BG, box, border_radius=5)
        target.blit(label, label.get_rect(center=box.center))
    keys = "F1 help · E feed · K fork here" if replay else "F1 help · M menu · F5 save · E feed"
    hint = renderer.small.render(keys, True, (180, 185, 200))
    target.blit(hint, (w - hint.get_width() - 8, 7))
    if snap.notice:
        note = renderer.small.render(clip_words(snap.notice, 120), True, (200, 235, 200))
        right = w - 8 - (PANEL_W if selected and snap.inspected is not None else 0)  # clear of the inspector
        box = note.get_rect(topright=(right, 32)).inflate(10, 6)
        pygame.draw.rect(target, HUD_BG, box, border_radius=5)
        target.blit(note, note.get_rect(center=box.center))
    lines_shown = list(snap.feed)[-FEED_LINES:] if feed else []
    if lines_shown:
        lines = [renderer.small.render(clip_words(line, 110), True, PAPER) for line in lines_shown]
        panel_h = 8 + 16 * len(lines)
        panel = pygame.Surface((min(w - 16, 640), panel_h), pygame.SRCALPHA)
        panel.fill(HUD_BG)
        target.blit(panel, (8, h - bottom - panel_h - 8))
        for i, line in enumerate(lines):
            target.blit(line, (14, h - bottom - panel_h - 4 + 16 * i))
    if selected:
        agent = next((a for a in snap.agents if a.name == selected), None)
        if agent:
            info = f"{agent.name} — {agent.action} at {agent.place}" + (
                f", talking to {agent.talking_to}" if agent.talking_to else ""
            )
            label = renderer.font.render(clip_words(info, 120), True, PAPER)
            top = 32 + (24 if badge else 0)
            box = label.get_rect(topleft=(8, top)).inflate(10, 6)
            pygame.draw.rect(target, HUD_BG, box, border_radius=5)
            target.blit(label, (13, top + 3))
