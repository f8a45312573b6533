"""Converting GA's Ville into an ordinary Tiled map.

`convert_map` returns the .tmj document, the places tileset
image and what was carried over.

- The front end's visual tile layers are kept verbatim (tile ids and flip flags), in order; `Foreground*` layers are
  marked `foreground` so the renderer draws them above the agents, as GA's front end does.
- GA's block layers (Collisions, Arena/Sector/World/Spawning Blocks, ...) and the block tilesets are replaced by the
  town's own layers, painted from the backend's matrices so every tile keeps its GA place: `collision`, `sectors`,
  `arenas`, `objects` (tile layers over a generated places tileset whose tiles carry a `name` property) and
  `spawns` (GA's sp-* tiles named by their GA address, and each persona's start tile from environment/0.json).
- Tileset images are never copied: the map points at them in the user's checkout (or `--art`) by relative path.
"""

from __future__ import annotations

import colorsys
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from town.core.tiled import GID_MASK
from town.mapping import tiled_json as tj
from town.mapping.ga_checkout import NO_BLOCK, GaBase, GaWorld
from town.mapping.png import png_bytes

PLACES_TILESET = "town-places"
PLACES_IMAGE = "places.png"
PLACES_COLUMNS = 16
TOWN_GROUP = "town"
FOREGROUND_PREFIX = "foreground"


@dataclass
class ConvertedMap:
    document: dict[str, Any]
    places_png: bytes
    kept_layers: list[str]
    dropped_layers: list[str]
    kept_tilesets: int
    images_found: int
    images_missing: list[str]
    public_sectors: list[str]
    unnamed_blocks: dict[str, int] = field(default_factory=dict)
    persona_spawns: int = 0


def convert_map(
    world: GaWorld, base: GaBase, persona_ids: dict[str, str], out_dir: Path, art: Path | None
) -> ConvertedMap:
    source = world.visual_map
    block_ids = {
        int(v) for grid in world.grids.values() for v in np.unique(grid).tolist() if v != NO_BLOCK and v.isdigit()
    }
    block_ids |= {int(k) for table in (world.sectors, world.arenas, world.objects) for k in table if k.isdigit()}
    tilesets = [t for t in source.get("tilesets", []) if isinstance(t, dict)]
    block_sets = [t for t in tilesets if any(_in_tileset(t, gid) for gid in block_ids)]
    kept_sets = [t for t in tilesets if t not in block_sets]

    art_root = art if art is not None else world.visuals / "map_assets"
    out_tilesets: list[dict[str, Any]] = []
    found, missing = 0, []
    for tileset in kept_sets:
        copy = {k: v for k, v in tileset.items()}
        image = str(tileset.get("image", ""))
        if image:
            path = _art_path(image, world.visuals, art_root)
            if path.is_file():
                found += 1
            else:
                missing.append(image)
            copy["image"] = Path(os.path.relpath(path.resolve(), out_dir.resolve())).as_posix()
        out_tilesets.append(copy)

    ids = tj.LayerIds()
    kept, dropped, visual_layers = [], [], []
    for layer in _flat_layers(source.get("layers", [])):
        gids = [g & GID_MASK for g in layer.get("data", []) if isinstance(g, int) and g & GID_MASK]
        # GA's block layers (only block tiles) give way to the town's own layers; an empty layer draws nothing.
        if layer.get("type") != "tilelayer" or all(any(_in_tileset(t, g) for t in block_sets) for g in gids):
            dropped.append(str(layer.get("name", "")))
            continue
        copy = {k: v for k, v in layer.items() if k not in ("id",)}
        copy["id"] = ids.layer()
        if str(layer.get("name", "")).strip().lower().startswith(FOREGROUND_PREFIX):
            copy["properties"] = tj.properties({"foreground": True})
        visual_layers.append(copy)
        kept.append(str(layer.get("name", "")))

    first_free = max([_last_gid(t) for t in kept_sets] + [0]) + 1
    places = _PlacesTileset(first_free)
    w, h, ts = world.width, world.height, world.tile_size
    names = {level: world.names(level) for level in ("sector", "arena", "game_object")}
    objects_grid = names["game_object"]
    public = sorted(
        s for s in set(world.sectors.values()) if not np.any((names["sector"] == s) & (objects_grid == "bed"))
    )
    collision_gid = places.add("collision", "blocked", {})
    town_layers = [
        tj.tile_layer(ids, "collision", w, h, _paint(world.grids["collision"] != NO_BLOCK, collision_gid)),
        tj.tile_layer(ids, "sectors", w, h, _paint_names(names["sector"], places, "sector", set(public))),
        tj.tile_layer(ids, "arenas", w, h, _paint_names(names["arena"], places, "arena", set())),
        tj.tile_layer(ids, "objects", w, h, _paint_names(objects_grid, places, "object", set())),
    ]
    spawn_points = []
    spawn_grid = world.grids["spawning_location"]
    for y, x in zip(*np.nonzero(spawn_grid != NO_BLOCK), strict=True):
        name = world.spawn_names.get(str(spawn_grid[y, x]))
        if name:
            spawn_points.append(tj.point(ids, name, (x + 0.5) * ts, (y + 0.5) * ts))
    persona_spawns = 0
    for person, (x, y) in sorted(base.spawns.items()):
        if person in persona_ids and 0 <= x < w and 0 <= y < h:
            spawn_points.append(tj.point(ids, persona_ids[person], (x + 0.5) * ts, (y + 0.5) * ts))
            persona_spawns += 1
    town_layers.append(tj.object_layer(ids, "spawns", spawn_points))
    group = tj.group_layer(ids, TOWN_GROUP, town_layers, visible=False)
    group["properties"] = tj.properties({"about": "the town's places and collision, painted from GA's matrix/ CSVs"})

    unnamed: dict[str, int] = {}
    for level, table in (("sector", world.sectors), ("arena", world.arenas), ("game_object", world.objects)):
        grid = world.grids[level]
        unknown = (grid != NO_BLOCK) & ~np.isin(grid, list(table))
        if unknown.any():
            unnamed[level] = int(unknown.sum())

    document = tj.tiled_map(
        w,
        h,
        ts,
        ts,
        visual_layers + [group],
        out_tilesets + [places.tileset()],
        ids,
        {"world": world.world, "imported_from": f"Generative Agents {world.maze} (matrix/ and visuals/)"},
    )
    return ConvertedMap(
        document=document,
        places_png=places.image(),
        kept_layers=kept,
        dropped_layers=dropped,
        kept_tilesets=len(out_tilesets),
        images_found=found,
        images_missing=missing,
        public_sectors=public,
        unnamed_blocks=unnamed,
        persona_spawns=persona_spawns,
    )


def _flat_layers(layers: list[Any]) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for layer in layers:
        if isinstance(layer, dict) and layer.get("type") == "group":
            flat += _flat_layers(layer.get("layers", []))
        elif isinstance(layer, dict):
            flat.append(layer)
    return flat


def _in_tileset(tileset: dict[str, Any], gid: int) -> bool:
    first = int(tileset.get("firstgid", 1))
    return first <= gid <= _last_gid(tileset)


def _last_gid(tileset: dict[str, Any]) -> int:
    return int(tileset.get("firstgid", 1)) + int(tileset.get("tilecount", 0)) - 1


def _art_path(image: str, visuals: Path, art_root: Path) -> Path:
    """Where a tileset image lies: under the art folder for GA's map_assets/..., else beside the GA map."""
    parts = Path(image).parts
    if "map_assets" in parts:
        return art_root.joinpath(*parts[parts.index("map_assets") + 1 :])
    return visuals / image


def _paint(mask: np.ndarray, gid: int) -> list[int]:
    return np.where(mask, gid, 0).astype(np.int64).ravel().tolist()


def _paint_names(grid: np.ndarray, places: _PlacesTileset, level: str, public: set[str]) -> list[int]:
    out = np.zeros(grid.shape, dtype=np.int64)
    for name in sorted({str(v) for v in np.unique(grid).tolist() if v}):
        props: dict[str, Any] = {"public": name in public} if level == "sector" else {}
        out[grid == name] = places.add(level, name, props)
    return out.ravel().tolist()


class _PlacesTileset:
    """The generated tileset the place layers are painted with: one named tile per place, a swatch drawn in code."""

    def __init__(self, firstgid: int) -> None:
        self.firstgid = firstgid
        self.tiles: list[tuple[str, str, dict[str, Any]]] = []

    def add(self, level: str, name: str, props: dict[str, Any]) -> int:
        self.tiles.append((level, name, props))
        return self.firstgid + len(self.tiles) - 1

    def tileset(self) -> dict[str, Any]:
        rows = -(-len(self.tiles) // PLACES_COLUMNS)
        return {
            "firstgid": self.firstgid,
            "name": PLACES_TILESET,
            "image": PLACES_IMAGE,
            "imagewidth": PLACES_COLUMNS * 32,
            "imageheight": rows * 32,
            "tilewidth": 32,
            "tileheight": 32,
            "tilecount": len(self.tiles),
            "columns": PLACES_COLUMNS,
            "margin": 0,
            "spacing": 0,
            "tiles": [
                {
                    "id": i,
                    "properties": tj.properties(
                        {"level": level} if level == "collision" else {"name": name, "level": level, **props}
                    ),
                }
                for i, (level, name, props) in enumerate(self.tiles)
            ],
        }

    def image(self) -> bytes:
        """Translucent swatches: a hue per place, a frame per level (sectors plain, arenas hatched, objects dotted)."""
        rows = -(-len(self.tiles) // PLACES_COLUMNS)
        width, height = PLACES_COLUMNS * 32, rows * 32
        pixels = bytearray(width * height * 4)
        for index, (level, _, _) in enumerate(self.tiles):
            ox, oy = (index % PLACES_COLUMNS) * 32, (index // PLACES_COLUMNS) * 32
            hue = (index * 0.618034) % 1.0
            r, g, b = (int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.65, 0.95))
            for y in range(32):
                for x in range(32):
                    edge = x in (0, 31) or y in (0, 31)
                    if level == "collision":
                        on = edge or x == y or x == 31 - y
                        colour = (220, 40, 40, 200) if on else (220, 40, 40, 70)
                    elif level == "sector":
                        colour = (r, g, b, 200 if edge else 60)
                    elif level == "arena":
                        colour = (r, g, b, 210 if edge or (x + y) % 8 == 0 else 50)
                    else:
                        dot = (x - 16) ** 2 + (y - 16) ** 2 <= 64
                        colour = (r, g, b, 230 if dot or edge else 0)
                    at = ((oy + y) * width + ox + x) * 4
                    pixels[at : at + 4] = bytes(colour)
        return png_bytes(width, height, bytes(pixels))
