"""The place hierarchy world:sector:arena:object built from a Tiled map: `TownMap`, `Sector`, `Arena`, `GameObject`.

Layers the map must have (names are fixed so a map made in the Tiled editor needs no code):
- `collision` (tile layer): any non-zero tile blocks walking;
- `sectors`, `arenas`, `objects` (object layers of rectangles): each arena lies inside a sector, each object inside
  an arena;
  a sector with the bool property `public` is a place every agent knows;
- `spawns` (object layer of points): named start tiles (a persona id, or anything for extra agents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from town.core.errors import MapError
from town.core.tiled import TiledMap, TiledObject, load_tiled

Tile = tuple[int, int]
REQUIRED_OBJECT_LAYERS = ("sectors", "arenas", "objects", "spawns")


@dataclass(frozen=True)
class GameObject:
    name: str
    address: str
    arena: str
    access_tile: Tile


@dataclass
class Arena:
    sector: str
    name: str
    address: str
    tiles: list[Tile]
    objects: dict[str, GameObject] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How prompts name the arena: 'Rosewood Cafe: cafe'."""
        return f"{self.sector}: {self.name}"


@dataclass
class Sector:
    name: str
    public: bool
    arenas: list[str] = field(default_factory=list)


@dataclass
class TownMap:
    """Walkability, places and spawns of one map; read-only after loading."""

    world: str
    width: int
    height: int
    tile_size: int
    walkable: np.ndarray
    sectors: dict[str, Sector]
    arenas: dict[str, Arena]
    objects: dict[str, GameObject]
    spawns: dict[str, Tile]
    arena_grid: np.ndarray
    source: str = ""
    tiled: TiledMap | None = None
    _arena_order: list[str] = field(default_factory=list)

    def arena_at(self, tile: Tile) -> Arena | None:
        index = int(self.arena_grid[tile[1], tile[0]])
        return self.arenas[self._arena_order[index]] if index >= 0 else None

    def arena_by_label(self, label: str) -> Arena | None:
        return next((a for a in self.arenas.values() if a.label == label), None)

    def arenas_of(self, sector: str) -> list[Arena]:
        return [self.arenas[a] for a in self.sectors[sector].arenas]

    def is_walkable(self, tile: Tile) -> bool:
        x, y = tile
        return 0 <= x < self.width and 0 <= y < self.height and bool(self.walkable[y, x])


def load_town_map(path: str | Path) -> TownMap:
    return build_town_map(load_tiled(path))


def build_town_map(tiled: TiledMap) -> TownMap:
    src = tiled.source
    collision = tiled.tile_layer("collision")
    if collision is None:
        raise MapError(f"map {src}: tile layer 'collision' is missing (add one; non-zero tiles block walking)")
    for name in REQUIRED_OBJECT_LAYERS:
        if tiled.object_layer(name) is None:
            raise MapError(f"map {src}: object layer '{name}' is missing (see docs/map-format.md)")
    w, h, ts = tiled.width, tiled.height, tiled.tile_width
    walkable = np.asarray(collision.data, dtype=np.int64).reshape(h, w) == 0
    world = str(tiled.properties.get("world") or Path(src).stem)

    sectors: dict[str, Sector] = {}
    sector_rects: dict[str, tuple[int, int, int, int]] = {}
    for obj in _layer(tiled, "sectors"):
        name = _name(obj, "sectors", src)
        if name in sectors:
            raise MapError(f"map {src}: sector '{name}' is defined twice")
        sectors[name] = Sector(name=name, public=bool(obj.properties.get("public", False)))
        sector_rects[name] = _tile_rect(obj, ts, w, h, src)

    arenas: dict[str, Arena] = {}
    arena_grid = np.full((h, w), -1, dtype=np.int32)
    order: list[str] = []
    for obj in _layer(tiled, "arenas"):
        name = _name(obj, "arenas", src)
        rect = _tile_rect(obj, ts, w, h, src)
        sector = _container(rect, sector_rects)
        if sector is None:
            raise MapError(f"map {src}: arena '{name}' is not inside any sector rectangle")
        address = f"{world}:{sector}:{name}"
        if address in arenas:
            raise MapError(f"map {src}: arena '{name}' appears twice in sector '{sector}'")
        x0, y0, x1, y1 = rect
        tiles = [(x, y) for y in range(y0, y1) for x in range(x0, x1) if walkable[y, x]]
        if not tiles:
            raise MapError(f"map {src}: arena '{address}' has no walkable tile")
        arena_grid[y0:y1, x0:x1] = len(order)
        order.append(address)
        arenas[address] = Arena(sector=sector, name=name, address=address, tiles=tiles)
        sectors[sector].arenas.append(address)

    objects: dict[str, GameObject] = {}
    for obj in _layer(tiled, "objects"):
        name = _name(obj, "objects", src)
        rect = _tile_rect(obj, ts, w, h, src)
        cx, cy = (rect[0] + rect[2] - 1) / 2, (rect[1] + rect[3] - 1) / 2
        index = int(arena_grid[int(cy), int(cx)])
        if index < 0:
            raise MapError(f"map {src}: object '{name}' at tile ({int(cx)}, {int(cy)}) is not inside any arena")
        arena = arenas[order[index]]
        address = f"{arena.address}:{name}"
        if address in objects:
            raise MapError(f"map {src}: object '{address}' is defined twice; give each a distinct name")
        access = min(arena.tiles, key=lambda t: (abs(t[0] - cx) + abs(t[1] - cy), t[1], t[0]))
        game_object = GameObject(name=name, address=address, arena=arena.address, access_tile=access)
        objects[address] = game_object
        arena.objects[name] = game_object

    spawns: dict[str, Tile] = {}
    for obj in _layer(tiled, "spawns"):
        name = _name(obj, "spawns", src)
        tile = (int(obj.x // ts), int(obj.y // ts))
        if not (0 <= tile[0] < w and 0 <= tile[1] < h) or not walkable[tile[1], tile[0]]:
            raise MapError(f"map {src}: spawn '{name}' at tile {tile} is outside the map or on a blocked tile")
        spawns[name] = tile
    if not spawns:
        raise MapError(f"map {src}: layer 'spawns' has no points; add at least one")

    return TownMap(
        world=world,
        width=w,
        height=h,
        tile_size=ts,
        walkable=walkable,
        sectors=sectors,
        arenas=arenas,
        objects=objects,
        spawns=spawns,
        arena_grid=arena_grid,
        source=src,
        tiled=tiled,
        _arena_order=order,
    )


def _layer(tiled: TiledMap, name: str) -> list[TiledObject]:
    layer = tiled.object_layer(name)
    return layer.objects if layer else []


def _name(obj: TiledObject, layer: str, src: str) -> str:
    name = obj.name.strip()
    if not name or ":" in name:
        raise MapError(f"map {src}: object id {obj.id} in layer '{layer}' needs a name without ':'")
    return name


def _tile_rect(obj: TiledObject, ts: int, w: int, h: int, src: str) -> tuple[int, int, int, int]:
    """Tiles covered by a pixel rectangle as (x0, y0, x1, y1), end-exclusive; points cover one tile."""
    x0, y0 = int(obj.x // ts), int(obj.y // ts)
    x1 = max(x0 + 1, int(-(-(obj.x + obj.width) // ts)))
    y1 = max(y0 + 1, int(-(-(obj.y + obj.height) // ts)))
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
        raise MapError(f"map {src}: '{obj.name}' (id {obj.id}) extends outside the {w}x{h} map")
    return x0, y0, x1, y1


def _container(rect: tuple[int, int, int, int], candidates: dict[str, tuple[int, int, int, int]]) -> str | None:
    cx, cy = (rect[0] + rect[2] - 1) / 2, (rect[1] + rect[3] - 1) / 2
    for name, (x0, y0, x1, y1) in candidates.items():
        if x0 <= cx < x1 and y0 <= cy < y1:
            return name
    return None
