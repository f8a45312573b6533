"""Building a town's places from a Tiled map: `load_town_map`, `build_town_map` and `analyse_map`.

`analyse_map` lists every problem of a map at once; the models are in town.core.town_map (importable from here).

Places are shapes made of tiles, so a place can have any outline (an L-shaped room, a sector in two pieces):
- collision: see town.core.collision (a `collision` tile layer, `collides` tiles, `collision` objects, ...);
- `sectors`, `arenas`, `objects`: object layers of rectangles, polygons, ellipses or points — several shapes with the
  same name are one place — and/or tile layers of the same names painted with tiles whose tileset gives them a
  `name` property (Generative Agents' way: one place layer per level). An arena belongs to the sector under its tiles
  (or the one its `sector` property names), an object to the arena under its tiles; a sector with the bool property
  `public` is a place every agent knows;
- `spawns` (object layer of points): named start tiles (a persona id, or anything for extra agents).
An object may have several pieces (a cafe's seats); each piece has the tile where an agent stands to use it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from town.core.collision import COLLISION, COLLISION_LAYER_PROPERTY, collision_grid
from town.core.errors import MapError
from town.core.pathfinding import reachable
from town.core.shapes import object_tiles
from town.core.tiled import TiledMap, TiledObject, load_tiled
from town.core.tiled_files import flag
from town.core.town_map import Arena, GameObject, MapReport, Sector, Tile, TownMap, connected_pieces

__all__ = [
    "Arena",
    "GameObject",
    "MapReport",
    "Sector",
    "TownMap",
    "analyse_map",
    "build_town_map",
    "connected_pieces",
    "load_town_map",
    "near_misses",
]
PLACE_LEVELS = ("sectors", "arenas", "objects")
SPAWNS = "spawns"
NAME_PROPERTY = "name"


def load_town_map(path: str | Path) -> TownMap:
    return build_town_map(load_tiled(path))


def build_town_map(tiled: TiledMap) -> TownMap:
    """The town of a map, or a one-line `MapError` with the first thing that blocks a run."""
    town_map, report = analyse_map(tiled)
    if report.errors or town_map is None:
        more = (
            f" (and {len(report.errors) - 1} more problem(s): run `town map check`)" if len(report.errors) > 1 else ""
        )
        raise MapError(f"map {tiled.source}: {report.errors[0]}{more}")
    return town_map


def analyse_map(tiled: TiledMap) -> tuple[TownMap | None, MapReport]:
    """Read collision and places with every convention, collecting all problems instead of stopping at the first."""
    return _Builder(tiled).build()


def near_misses(tiled: TiledMap, wanted: str) -> list[str]:
    """Layers whose names look like `wanted` but are not it ('Collisions', 'Sector Blocks' for 'sectors')."""
    key = _norm(wanted)
    return [
        layer.name
        for layer in tiled.layers
        if layer.name != wanted and key and (_norm(layer.name) == key or key in _norm(layer.name))
    ]


def _norm(name: str) -> str:
    letters = "".join(ch for ch in name.lower() if ch.isalnum())
    return letters[:-1] if letters.endswith("s") else letters


class PlaceShape(NamedTuple):
    """One named shape of a place level: its tiles, where it came from, whether drawn (else painted), its properties."""

    name: str
    tiles: set[Tile]
    where: str
    drawn: bool
    properties: dict[str, Any]


class _Builder:
    def __init__(self, tiled: TiledMap) -> None:
        self.tiled = tiled
        self.w, self.h, self.ts = tiled.width, tiled.height, tiled.tile_width
        self.report = MapReport(source=tiled.source)
        self.world = str(tiled.properties.get("world") or Path(tiled.source).stem)

    def error(self, message: str) -> None:
        self.report.errors.append(message)

    def build(self) -> tuple[TownMap | None, MapReport]:
        tiled = self.tiled
        if tiled.tile_width != tiled.tile_height:
            self.report.warnings.append(
                f"tiles are {tiled.tile_width}x{tiled.tile_height} px; the town treats them as square cells"
            )
        blocked, found, problems = collision_grid(tiled)
        self.report.found += found
        self.report.errors += problems
        if not found:
            self.error(self._missing_collision())
        self.walkable = ~blocked

        spawns = self._spawns()
        # Where agents can get to: an arena's standing tiles are the walkable ones reachable from a spawn (a tile
        # boxed in by furniture is walkable but no destination).
        self.reach = reachable(self.walkable, list(spawns.values())) if spawns else self.walkable
        sector_tiles, sector_props = self._level("sectors", required=True)
        sectors, sector_grid, sector_order = self._sectors(sector_tiles, sector_props)
        arenas, arena_grid, arena_order = self._arenas(sectors, sector_grid, sector_order)
        objects = self._objects(arenas, arena_grid, arena_order)
        if self.report.errors:
            return None, self.report
        town_map = TownMap(
            world=self.world,
            width=self.w,
            height=self.h,
            tile_size=self.ts,
            walkable=self.walkable,
            sectors=sectors,
            arenas=arenas,
            objects=objects,
            spawns=spawns,
            arena_grid=arena_grid,
            source=tiled.source,
            tiled=tiled,
            _arena_order=arena_order,
            sector_grid=sector_grid,
            _sector_order=sector_order,
        )
        return town_map, self.report

    # -- hints ----------------------------------------------------------------------------------------------------
    def _missing_collision(self) -> str:
        hints = near_misses(self.tiled, COLLISION)
        hint = ""
        if hints:
            hint = (
                f" — found layer '{hints[0]}': did you mean collision? (rename it, or set the map property "
                f"{COLLISION_LAYER_PROPERTY} = {hints[0]})"
            )
        return (
            "no collision: add a tile layer named 'collision' (non-zero tiles block), tiles with the bool property "
            f"'collides', or objects of class 'collision'{hint}"
        )

    def _missing_layer(self, level: str, kind: str) -> str:
        hints = near_misses(self.tiled, level)
        hint = f" — found layer '{hints[0]}': did you mean {level}?" if hints else ""
        return f"{kind} '{level}' is missing (see docs/map-format.md; `town map init` adds the empty layers){hint}"

    # -- reading one place level ------------------------------------------------------------------------------------
    def _level(self, level: str, required: bool) -> tuple[list[PlaceShape], dict[str, dict]]:
        """Shapes of one level as (name, tiles, where) from its object and tile layers, plus per-name properties."""
        shapes: list[PlaceShape] = []
        props: dict[str, dict[str, Any]] = defaultdict(dict)
        layers = [layer for layer in self.tiled.object_layers if layer.name == level]
        tile_layers = [layer for layer in self.tiled.tile_layers if layer.name == level]
        if not layers and not tile_layers:
            if required:
                self.error(self._missing_layer(level, "layer"))
            return shapes, props
        for layer in layers:
            for obj in layer.objects:
                name = self._object_name(obj, level)
                if name is None:
                    continue
                tiles = object_tiles(obj, self.ts, self.tiled.tile_height, self.w, self.h, "centre")
                if not tiles:
                    self.error(
                        f"'{name}' (object id {obj.id} in layer '{level}') lies outside the {self.w}x{self.h} map"
                    )
                    continue
                shapes.append(PlaceShape(name, tiles, f"object id {obj.id}", True, obj.properties))
                props[name].update(obj.properties)
        for painted in tile_layers:
            try:
                grid = painted.grid(self.w, self.h, self.ts, self.tiled.tile_height, self.tiled.source)
            except MapError as exc:
                self.error(str(exc).removeprefix(f"map {self.tiled.source}: "))
                continue
            for gid in np.unique(grid[grid != 0]).tolist():
                info = self.tiled.tile_info(int(gid))
                name = str((info.properties.get(NAME_PROPERTY) or info.kind) if info else "").strip()
                if not name or ":" in name:
                    self.error(
                        f"tile layer '{level}' is painted with tile id {gid}, whose tileset gives it no "
                        f"'{NAME_PROPERTY}' property (without ':'); name the tile in Tiled's tileset editor"
                    )
                    continue
                ys, xs = np.nonzero(grid == gid)
                cells = set(zip(xs.tolist(), ys.tolist(), strict=True))
                shapes.append(PlaceShape(name, cells, f"tile id {gid}", False, info.properties if info else {}))
                if info:
                    props[name].update({k: v for k, v in info.properties.items() if k != NAME_PROPERTY})
        if required and not shapes:
            singular = level.rstrip("s")
            self.error(
                f"layer '{level}' holds no {singular}; draw at least one (a named rectangle or polygon) in Tiled"
            )
        return shapes, props

    def _object_name(self, obj: TiledObject, level: str) -> str | None:
        name = obj.name.strip()
        if not name or ":" in name:
            self.error(f"object id {obj.id} in layer '{level}' needs a name without ':'")
            return None
        return name

    # -- sectors, arenas, objects ---------------------------------------------------------------------------------
    def _sectors(
        self, shapes: list[PlaceShape], props: dict[str, dict]
    ) -> tuple[dict[str, Sector], np.ndarray, list[str]]:
        grid = np.full((self.h, self.w), -1, dtype=np.int32)
        order: list[str] = []
        sectors: dict[str, Sector] = {}
        overlaps: Counter[tuple[str, str]] = Counter()
        first_overlap: dict[tuple[str, str], Tile] = {}
        for name, tiles, *_ in shapes:
            if name not in sectors:
                sectors[name] = Sector(name=name, public=flag(props[name].get("public")) is True)
                order.append(name)
            index = order.index(name)
            for x, y in tiles:
                other = int(grid[y, x])
                if other >= 0 and other != index:
                    pair = (order[other], name)
                    overlaps[pair] += 1
                    first_overlap.setdefault(pair, (x, y))
                else:
                    grid[y, x] = index
        for (a, b), count in overlaps.items():
            # Sloppy rectangles are common; the earlier sector keeps the tiles, and arenas settle their own tiles.
            self.report.warnings.append(
                f"sectors '{a}' and '{b}' overlap on {count} tile(s), first at {first_overlap[(a, b)]}; "
                f"'{a}' keeps them except where an arena of '{b}' lies"
            )
        return sectors, grid, order

    def _arenas(
        self, sectors: dict[str, Sector], sector_grid: np.ndarray, sector_order: list[str]
    ) -> tuple[dict[str, Arena], np.ndarray, list[str]]:
        shapes, _ = self._level("arenas", required=True)
        members: dict[tuple[str, str], set[Tile]] = {}
        for name, tiles, where, drawn, own in shapes:
            if drawn:  # a drawn shape belongs to one sector as a whole (kitchens of many houses share a name)
                wanted = own.get("sector")
                sector = str(wanted) if wanted else self._majority(tiles, sector_grid, sector_order)
                if sector is None or sector not in sectors:
                    reason = f"names sector {wanted!r}, which the map lacks" if wanted else "is not inside any sector"
                    self.error(f"arena '{name}' ({where}) {reason}")
                    continue
                members.setdefault((sector, name), set()).update(tiles)
            else:  # painted tiles take the sector painted under each of them (Generative Agents' rule)
                outside: list[Tile] = []
                for x, y in sorted(tiles, key=lambda t: (t[1], t[0])):
                    index = int(sector_grid[y, x])
                    if index < 0:
                        outside.append((x, y))
                    else:
                        members.setdefault((sector_order[index], name), set()).add((x, y))
                if outside:
                    self.error(
                        f"arena '{name}' is painted on {len(outside)} tile(s) outside any sector, first at {outside[0]}"
                    )
        grid = np.full((self.h, self.w), -1, dtype=np.int32)
        order: list[str] = []
        arenas: dict[str, Arena] = {}
        claimed: dict[Tile, str] = {}
        overlaps: Counter[tuple[str, str]] = Counter()
        for (sector, name), tiles in members.items():
            address = f"{self.world}:{sector}:{name}"
            walk = sorted((t for t in tiles if self.walkable[t[1], t[0]]), key=lambda t: (t[1], t[0]))
            if not walk:
                self.error(f"arena '{address}' has no walkable tile")
                continue
            reached = [t for t in walk if self.reach[t[1], t[0]]]
            if reached:
                walk = reached
            else:
                self.report.warnings.append(f"arena '{address}' cannot be reached from any spawn")
            index = len(order)
            order.append(address)
            sector_index = sector_order.index(sector)
            for x, y in tiles:
                if (x, y) in claimed:
                    overlaps[(claimed[(x, y)], address)] += 1
                    continue
                claimed[(x, y)] = address
                grid[y, x] = index
                # An arena's tiles are in its sector (an arena drawn past its sector's edge widens the sector).
                sector_grid[y, x] = sector_index
            arenas[address] = Arena(sector=sector, name=name, address=address, tiles=walk)
            sectors[sector].arenas.append(address)
        for (a, b), count in overlaps.items():
            self.error(f"arenas '{a}' and '{b}' overlap on {count} tile(s)")
        return arenas, grid, order

    def _majority(self, tiles: set[Tile], grid: np.ndarray, order: list[str]) -> str | None:
        votes = Counter(int(grid[y, x]) for x, y in tiles)
        votes.pop(-1, None)
        if not votes:
            return None
        index, _ = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        return order[index]

    def _objects(self, arenas: dict[str, Arena], arena_grid: np.ndarray, order: list[str]) -> dict[str, GameObject]:
        shapes, _ = self._level("objects", required=False)
        members: dict[str, set[Tile]] = {}
        for name, tiles, where, drawn, _ in shapes:
            if drawn:
                address = self._majority(tiles, arena_grid, order)
                if address is None:
                    x, y = min(tiles, key=lambda t: (t[1], t[0]))
                    self.error(f"object '{name}' ({where}) at tile ({x}, {y}) is not inside any arena")
                    continue
                members.setdefault(f"{address}:{name}", set()).update(tiles)
            else:
                outside = []
                for x, y in tiles:
                    index = int(arena_grid[y, x])
                    if index < 0:
                        outside.append((x, y))
                    else:
                        members.setdefault(f"{order[index]}:{name}", set()).add((x, y))
                if outside:
                    first = min(outside, key=lambda t: (t[1], t[0]))
                    self.error(
                        f"object '{name}' is painted on {len(outside)} tile(s) outside any arena, first at {first}"
                    )
        arena_sets: dict[str, set[Tile]] = {}
        objects: dict[str, GameObject] = {}
        for address, tiles in members.items():
            arena_address, _, name = address.rpartition(":")
            arena = arenas.get(arena_address)
            if arena is None:
                continue
            if arena_address not in arena_sets:
                arena_sets[arena_address] = set(arena.tiles)
            standing = arena_sets[arena_address]
            access = tuple(self._access(piece, arena, standing) for piece in connected_pieces(tiles))
            game_object = GameObject(
                name=name,
                address=address,
                arena=arena_address,
                access_tile=access[0],
                access_tiles=access,
                tiles=tuple(sorted(tiles, key=lambda t: (t[1], t[0]))),
            )
            objects[address] = game_object
            arena.objects[name] = game_object
        return objects

    def _access(self, piece: list[Tile], arena: Arena, standing: set[Tile]) -> Tile:
        """Where an agent stands to use a piece: its own walkable tile nearest its middle, else the arena's nearest."""
        cx = sum(t[0] for t in piece) / len(piece)
        cy = sum(t[1] for t in piece) / len(piece)
        candidates = [t for t in piece if t in standing] or arena.tiles
        return min(candidates, key=lambda t: (abs(t[0] - cx) + abs(t[1] - cy), t[1], t[0]))

    def _spawns(self) -> dict[str, Tile]:
        layers = [layer for layer in self.tiled.object_layers if layer.name == SPAWNS]
        if not layers:
            self.error(self._missing_layer(SPAWNS, "object layer"))
            return {}
        spawns: dict[str, Tile] = {}
        for layer in layers:
            for obj in layer.objects:
                name = obj.name.strip()
                if not name:
                    self.error(f"object id {obj.id} in layer 'spawns' needs a name (a persona id, or any label)")
                    continue
                tiles = object_tiles(obj, self.ts, self.tiled.tile_height, self.w, self.h, "centre")
                if not tiles:
                    self.error(f"spawn '{name}' lies outside the {self.w}x{self.h} map")
                    continue
                tile = min(tiles, key=lambda t: (t[1], t[0])) if len(tiles) > 1 else next(iter(tiles))
                if not self.walkable[tile[1], tile[0]]:
                    self.error(f"spawn '{name}' at tile {tile} is on a blocked tile")
                    continue
                if name in spawns:
                    self.error(f"spawn '{name}' is defined twice")
                    continue
                spawns[name] = tile
        if not spawns and not any(e.startswith("spawn") for e in self.report.errors):
            self.error("layer 'spawns' has no points; add at least one")
        return spawns
