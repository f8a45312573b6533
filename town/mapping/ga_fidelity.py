"""How faithfully a loaded town reproduces GA's Ville.

`measure_fidelity` compares a `TownMap` with the backend's
matrices tile by tile and returns `Fidelity` — the figures import-ga prints and writes into IMPORT.md.

- arenas: share of GA-walkable tiles whose town arena has the same world:sector:arena address as GA's arena maze
  (tiles in no arena count as agreeing when both have none);
- objects: GA's world:sector:arena:object addresses present in the town, and GA's object pieces (connected tiles of
  one address) that are usable: the town's object at that address stands an agent on a tile of that piece that is
  reachable from the spawns;
- spawns: personas of the base whose town spawn is the tile GA starts them on, and GA's sp-* tiles kept.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from town.core.pathfinding import reachable
from town.core.places import TownMap, connected_pieces
from town.mapping.ga_checkout import GaBase, GaWorld


class Fidelity(BaseModel):
    walkable_tiles: int
    walkable_agree: int
    arena_agree: int
    sector_agree_all_tiles: int
    all_tiles: int
    object_addresses: int
    object_addresses_kept: int
    object_pieces: int
    object_pieces_usable: int
    persona_spawns: int
    persona_spawns_on_ga_tiles: int
    ga_spawn_tiles: int
    ga_spawn_tiles_kept: int

    @property
    def arena_share(self) -> float:
        return self.arena_agree / self.walkable_tiles if self.walkable_tiles else 1.0

    def lines(self) -> list[str]:
        return [
            f"walkable tiles in GA's arena: {self.arena_agree}/{self.walkable_tiles} ({100 * self.arena_share:.2f}%)",
            f"walkability equal to collision_maze.csv: {self.walkable_agree}/{self.all_tiles} tiles",
            f"sector equal to sector_maze.csv: {self.sector_agree_all_tiles}/{self.all_tiles} tiles",
            f"object addresses: {self.object_addresses_kept}/{self.object_addresses}",
            f"object pieces usable: {self.object_pieces_usable}/{self.object_pieces}",
            f"persona spawns on GA's tiles: {self.persona_spawns_on_ga_tiles}/{self.persona_spawns}",
            f"GA spawn tiles (sp-*) kept: {self.ga_spawn_tiles_kept}/{self.ga_spawn_tiles}",
        ]


def measure_fidelity(town: TownMap, world: GaWorld, base: GaBase, persona_ids: dict[str, str]) -> Fidelity:
    h, w = world.height, world.width
    ga_walk = world.walkable()
    ga_arena = world.addresses("arena")
    ga_sector = world.names("sector")
    # Index -1 (no place) picks the trailing "".
    town_arena = np.array([*town._arena_order, ""], dtype=object)[town.arena_grid]  # noqa: SLF001
    assert town.sector_grid is not None
    town_sector = np.array([*town._sector_order, ""], dtype=object)[town.sector_grid]  # noqa: SLF001
    arena_agree = int(((town_arena == ga_arena) & ga_walk).sum())

    ga_objects = world.addresses("game_object")
    addresses = sorted({str(a) for a in np.unique(ga_objects).tolist() if a})
    reach = reachable(town.walkable, list(town.spawns.values()))
    pieces = usable = 0
    for address in addresses:
        tiles = {(int(x), int(y)) for y, x in zip(*np.nonzero(ga_objects == address), strict=True)}
        obj = town.objects.get(address)
        standing = set(obj.access_tiles or (obj.access_tile,)) if obj else set()
        for piece in map(set, connected_pieces(tiles)):
            pieces += 1
            if any(t in piece and reach[t[1], t[0]] for t in standing):
                usable += 1

    people = [(name, tile) for name, tile in base.spawns.items() if name in persona_ids]
    on_tile = sum(town.spawns.get(persona_ids[name]) == tile for name, tile in people)
    sp_grid = world.grids["spawning_location"]
    sp_tiles = {
        world.spawn_names[str(sp_grid[y, x])]: (int(x), int(y))
        for y, x in zip(*np.nonzero(sp_grid != "0"), strict=True)
        if str(sp_grid[y, x]) in world.spawn_names
    }
    kept = sum(town.spawns.get(name) == tile for name, tile in sp_tiles.items())
    return Fidelity(
        walkable_tiles=int(ga_walk.sum()),
        walkable_agree=int((town.walkable == ga_walk).sum()),
        arena_agree=arena_agree,
        sector_agree_all_tiles=int((town_sector == ga_sector).sum()),
        all_tiles=h * w,
        object_addresses=len(addresses),
        object_addresses_kept=sum(a in town.objects for a in addresses),
        object_pieces=pieces,
        object_pieces_usable=usable,
        persona_spawns=len(people),
        persona_spawns_on_ga_tiles=on_tile,
        ga_spawn_tiles=len(sp_tiles),
        ga_spawn_tiles_kept=kept,
    )
