"""Where agents cannot walk: `collision_grid` reads every collision convention real Tiled maps use, at once.

A tile is blocked when any of these says so (they add up; a map may use several):
1. a tile layer named `collision` — any non-zero tile blocks;
2. the tile layer that the map property `collision_layer` names (Generative Agents' Smallville: `Collisions`);
3. a tile layer with the bool layer property `collides` — any non-zero tile blocks;
4. tiles whose tileset gives them the bool property `collides` (Phaser and ai-town maps), or a collision shape drawn
   in Tiled's tile collision editor that covers the tile's centre, in any tile layer;
5. objects of class or type `collision` in any object layer, and every object of an object layer named
   `collision` — rectangles, ellipses, polygons (rotated as drawn), polylines and points.
"""

from __future__ import annotations

import numpy as np

from town.core.errors import MapError
from town.core.shapes import object_tiles
from town.core.tiled import TiledMap
from town.core.tiled_files import flag

COLLISION = "collision"
COLLISION_LAYER_PROPERTY = "collision_layer"


def collision_grid(tiled: TiledMap) -> tuple[np.ndarray, list[str], list[str]]:
    """(blocked grid of shape (height, width), the conventions found, problems) for a map.

    The grid is all False when no convention is present; the caller decides whether that is an error.
    """
    w, h, tw, th, src = tiled.width, tiled.height, tiled.tile_width, tiled.tile_height, tiled.source
    blocked = np.zeros((h, w), dtype=bool)
    found: list[str] = []
    problems: list[str] = []

    named = tiled.properties.get(COLLISION_LAYER_PROPERTY)
    whole_layers = []
    if named is not None:
        layer = tiled.tile_layer(str(named))
        if layer is None:
            problems.append(f"map property {COLLISION_LAYER_PROPERTY} names tile layer {named!r}, which the map lacks")
        else:
            whole_layers.append((layer, f"tile layer '{named}' (map property {COLLISION_LAYER_PROPERTY})"))
    own = tiled.tile_layer(COLLISION)
    if own is not None and own.name != named:
        whole_layers.append((own, "tile layer 'collision'"))
    whole_layers += [
        (layer, f"tile layer '{layer.name}' (layer property collides)")
        for layer in tiled.tile_layers
        if flag(layer.properties.get("collides")) is True and layer is not own and layer.name != named
    ]
    for layer, what in whole_layers:
        try:
            blocked |= layer.grid(w, h, tw, th, src) != 0
            found.append(what)
        except MapError as exc:  # a fractional offset: reported, the other conventions still count
            problems.append(str(exc).removeprefix(f"map {src}: "))

    colliding = tiled.gids_where(lambda info: flag(info.properties.get("collides")) is True or info.blocks_centre)
    if colliding:
        lookup = np.fromiter(colliding, dtype=np.int64)
        hits = 0
        for layer in tiled.tile_layers:
            try:
                grid = layer.grid(w, h, tw, th, src)
            except MapError as exc:
                problems.append(str(exc).removeprefix(f"map {src}: "))
                continue
            mask = np.isin(grid, lookup)
            hits += int(mask.sum())
            blocked |= mask
        found.append(f"{len(colliding)} colliding tile(s): property collides or a collision shape ({hits} placed)")

    shapes = 0
    for group in tiled.object_layers:
        for obj in group.objects:
            if group.name.lower() == COLLISION or obj.kind.strip().lower() == COLLISION:
                for x, y in object_tiles(obj, tw, th, w, h, "touch"):
                    blocked[y, x] = True
                shapes += 1
    if shapes:
        found.append(f"{shapes} collision object(s)")
    return blocked, found, problems
