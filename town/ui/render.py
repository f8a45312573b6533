"""`TownRenderer`: draws a `Snapshot` — map layers, furniture, agents, bubbles, day-night tint, HUD — onto a surface.

The map comes from `MapPainter` in cached chunks (art below the agents, then the foreground above them); agents,
labels and bubbles are drawn in screen space each frame, so cost grows with what is on screen, not with the map.
"""

from __future__ import annotations

import textwrap
from datetime import datetime

import pygame

from town.core.places import TownMap
from town.runtime.snapshot import AgentView, Snapshot
from town.ui import art
from town.ui.camera import Camera
from town.ui.mapdraw import MapPainter
from town.ui.panels import PANEL_W

INK = (30, 30, 36)
PAPER = (250, 248, 240)
HUD_BG = (24, 26, 34, 215)


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
        self.painter = MapPainter(town_map, self.font)
        self._sprites: dict[tuple[str, tuple[int, int], int, bool], pygame.Surface] = {}
        self._icons: dict[str, pygame.Surface] = {}

    def _sprite(self, agent: AgentView, frame: int, zoom: float) -> pygame.Surface:
        key = (agent.name, agent.facing, frame % 2 if agent.moving else 0, agent.moving)
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
        ordered = sorted(snap.agents, key=lambda a: a.tile[1])
        for agent in ordered:
            self._draw_agent(target, agent, camera, frame, agent.name == selected)
        self.painter.draw(target, camera, "above")  # roofs and treetops over the villagers, as the map's art says
        self.painter.draw_labels(target, camera)
        for agent in ordered:
            self._draw_bubbles(target, agent, camera)
        alpha = night_alpha(snap.time)
        if alpha:
            tint = pygame.Surface(target.get_size(), pygame.SRCALPHA)
            tint.fill((10, 16, 60, alpha))
            target.blit(tint, (0, 0))

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
        target.blit(self._sprite(agent, frame, camera.zoom), (x, y))
        if agent.asleep:
            z = self.big.render("z", True, (220, 230, 255))
            target.blit(z, (x + size - 6, y - 6 - (frame // 8) % 4))
        elif agent.thinking and not agent.speech:
            self._draw_thought(target, x + size - 2, y - 4, frame)
        name = self.small.render(agent.name, True, PAPER)
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

    def _draw_bubbles(self, target: pygame.Surface, agent: AgentView, camera: Camera) -> None:
        x, y = self._anchor(agent, camera)
        size = round(self.tile * camera.zoom)
        cx = x + size // 2
        if agent.speech:
            lines = textwrap.wrap(agent.speech, 34)[:3]
            if len(textwrap.wrap(agent.speech, 34)) > 3:
                lines[-1] = lines[-1][:31] + "…"
            rendered = [self.font.render(line, True, INK) for line in lines]
            w = max(r.get_width() for r in rendered) + 12
            h = sum(r.get_height() for r in rendered) + 8
            box = pygame.Rect(0, 0, w, h)
            box.midbottom = (cx, y - 6)
            pygame.draw.rect(target, PAPER, box, border_radius=7)
            pygame.draw.rect(target, INK, box, 1, border_radius=7)
            pygame.draw.polygon(
                target, PAPER, [(cx - 5, box.bottom - 1), (cx + 5, box.bottom - 1), (cx, box.bottom + 6)]
            )
            ty = box.top + 4
            for r in rendered:
                target.blit(r, (box.left + 6, ty))
                ty += r.get_height()
        elif not agent.asleep and agent.action:
            text = agent.action if len(agent.action) <= 26 else agent.action[:25] + "…"
            label = self.small.render(text, True, INK)
            box = label.get_rect(midbottom=(cx + 7, y - 2))
            bubble = box.inflate(22, 6)
            pygame.draw.rect(target, (235, 240, 250), bubble, border_radius=6)
            target.blit(self._icon(agent.emoji), (bubble.left + 2, bubble.centery - 7))
            target.blit(label, (box.left + 7, box.top))


SLOW_CALL_S = 10.0  # a call running this long is shown as slow (amber)


def thinking_badge(snap: Snapshot) -> str:
    """What the town is waiting for, in words: calls in flight, the oldest's age, a clock held for the model."""
    parts = []
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
    target: pygame.Surface, renderer: TownRenderer, snap: Snapshot, selected: str | None, fps: float, bottom: int = 0
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
        colour = (255, 214, 110) if snap.held or snap.oldest_wait_s >= SLOW_CALL_S else (190, 220, 255)
        label = renderer.small.render(badge, True, colour)
        box = label.get_rect(topleft=(8, 30)).inflate(10, 6)
        pygame.draw.rect(target, HUD_BG, box, border_radius=5)
        target.blit(label, label.get_rect(center=box.center))
    hint = renderer.small.render("F1 help · M menu · F5 save", True, (180, 185, 200))
    target.blit(hint, (w - hint.get_width() - 8, 7))
    if snap.notice:
        note = renderer.small.render(snap.notice[:120], True, (200, 235, 200))
        right = w - 8 - (PANEL_W if selected and snap.inspected is not None else 0)  # clear of the inspector
        box = note.get_rect(topright=(right, 32)).inflate(10, 6)
        pygame.draw.rect(target, HUD_BG, box, border_radius=5)
        target.blit(note, note.get_rect(center=box.center))
    feed = list(snap.feed)[-6:]
    if feed:
        lines = [renderer.small.render(line[:110], True, PAPER) for line in feed]
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
            label = renderer.font.render(info[:120], True, PAPER)
            top = 32 + (24 if badge else 0)
            box = label.get_rect(topleft=(8, top)).inflate(10, 6)
            pygame.draw.rect(target, HUD_BG, box, border_radius=5)
            target.blit(label, (13, top + 3))
