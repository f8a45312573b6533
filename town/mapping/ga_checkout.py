"""Reading a Generative Agents checkout as its backend does.

`GaWorld` holds the maze matrices and block tables of one
map, plus the front end's Tiled map; `GaBase` a starting simulation: personas, spawn tiles, start time.

The backend's truth is `matrix/maze/*.csv` (one block id per tile, one long row reshaped by the map width) and
`matrix/special_blocks/*.csv` (block id -> "world, sector[, arena[, object]]"; only the last column names the
place, the tile's sector comes from the sector maze) — read here the same way, values stripped of spaces.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from town.core.errors import ImportSourceError

ASSETS = Path("environment/frontend_server/static_dirs/assets")
STORAGE = Path("environment/frontend_server/storage")
DEFAULT_BASE = "base_the_ville_n25"
DEFAULT_MAZE = "the_ville"
MAZES = ("collision", "sector", "arena", "game_object", "spawning_location")
NO_BLOCK = "0"


@dataclass
class GaWorld:
    """One GA map as the backend sees it: block-id grids (height, width) and the tables naming the blocks."""

    root: Path
    maze: str
    width: int
    height: int
    tile_size: int
    world: str
    grids: dict[str, np.ndarray]
    sectors: dict[str, str]
    arenas: dict[str, str]
    objects: dict[str, str]
    spawn_names: dict[str, str]
    visual_map_path: Path
    visual_map: dict[str, Any]
    _names: dict[str, np.ndarray] = field(default_factory=dict)  # names() per level, computed once

    @property
    def visuals(self) -> Path:
        return self.visual_map_path.parent

    def walkable(self) -> np.ndarray:
        return self.grids["collision"] == NO_BLOCK

    def names(self, level: str) -> np.ndarray:
        """A (height, width) grid of place names for one level ('' where none), as the backend resolves them."""
        if level not in self._names:
            table = {"sector": self.sectors, "arena": self.arenas, "game_object": self.objects}[level]
            lookup = np.vectorize(lambda block: table.get(block, ""), otypes=[object])
            self._names[level] = lookup(self.grids[level])
        return self._names[level]

    def addresses(self, level: str) -> np.ndarray:
        """Full GA addresses per tile for 'arena' (world:sector:arena) or 'game_object' (…:object); '' where none."""
        sector = self.names("sector")
        arena = self.names("arena")
        out = np.full(sector.shape, "", dtype=object)
        has = (arena != "") & (sector != "")
        if level == "game_object":
            obj = self.names("game_object")
            has &= obj != ""
            out[has] = [f"{self.world}:{s}:{a}:{o}" for s, a, o in zip(sector[has], arena[has], obj[has], strict=True)]
        else:
            out[has] = [f"{self.world}:{s}:{a}" for s, a in zip(sector[has], arena[has], strict=True)]
        return out


@dataclass
class GaBase:
    """A starting simulation (storage/NAME): each persona's scratch and spatial memory, spawn tiles, start time."""

    name: str
    folder: Path
    personas: dict[str, dict[str, Any]]
    spatial: dict[str, dict[str, Any]]
    spawns: dict[str, tuple[int, int]]
    meta: dict[str, Any] = field(default_factory=dict)


def find_root(path: Path) -> Path:
    """The checkout's root: the folder given, or the one above it that holds environment/frontend_server."""
    if not path.is_dir():
        raise ImportSourceError(f"GA checkout {path}: not a folder (pass the generative_agents repository root)")
    for candidate in (path, *path.resolve().parents):
        if (candidate / ASSETS).is_dir() or (candidate / STORAGE).is_dir():
            return candidate
    raise ImportSourceError(f"GA checkout {path}: no {ASSETS} inside; pass the root of a generative_agents repository")


def read_world(root: Path, maze: str = DEFAULT_MAZE) -> GaWorld:
    base = root / ASSETS / maze
    matrix = base / "matrix"
    meta = _json(matrix / "maze_meta_info.json", root)
    try:
        width, height = int(meta["maze_width"]), int(meta["maze_height"])
        tile_size = int(meta["sq_tile_size"])
    except (KeyError, TypeError, ValueError):
        raise ImportSourceError(
            f"GA checkout {root}: {matrix / 'maze_meta_info.json'} lacks maze_width/maze_height/sq_tile_size"
        ) from None
    if not (0 < width <= 4096 and 0 < height <= 4096 and 0 < tile_size <= 1024):
        raise ImportSourceError(f"GA checkout {root}: maze size {width}x{height} ({tile_size} px) is not plausible")
    grids = {name: _maze(matrix / "maze" / f"{name}_maze.csv", width, height, root) for name in MAZES}
    blocks = matrix / "special_blocks"
    world_rows = _blocks(blocks / "world_blocks.csv", root)
    if not world_rows:
        raise ImportSourceError(f"GA checkout {root}: {blocks / 'world_blocks.csv'} names no world")
    world = next(iter(world_rows.values()))[-1]
    visual = _visual_map(base / "visuals", root)
    return GaWorld(
        root=root,
        maze=maze,
        width=width,
        height=height,
        tile_size=tile_size,
        world=world,
        grids=grids,
        sectors={k: v[-1] for k, v in _blocks(blocks / "sector_blocks.csv", root).items()},
        arenas={k: v[-1] for k, v in _blocks(blocks / "arena_blocks.csv", root).items()},
        objects={k: v[-1] for k, v in _blocks(blocks / "game_object_blocks.csv", root).items()},
        spawn_names={k: ":".join(v) for k, v in _blocks(blocks / "spawning_location_blocks.csv", root).items()},
        visual_map_path=visual,
        visual_map=_json(visual, root),
    )


def read_base(root: Path, name: str) -> GaBase:
    folder = root / STORAGE / name
    if not folder.is_dir():
        known = sorted(p.name for p in (root / STORAGE).iterdir() if p.is_dir()) if (root / STORAGE).is_dir() else []
        hint = f"; this checkout has {', '.join(known)}" if known else ""
        raise ImportSourceError(f"GA checkout {root}: no starting simulation {STORAGE / name}{hint}")
    personas_dir = folder / "personas"
    if not personas_dir.is_dir():
        raise ImportSourceError(f"GA base {folder}: no personas/ folder")
    personas: dict[str, dict[str, Any]] = {}
    spatial: dict[str, dict[str, Any]] = {}
    for person in sorted(p for p in personas_dir.iterdir() if p.is_dir()):
        memory = person / "bootstrap_memory"
        scratch = _json(memory / "scratch.json", root)
        if not isinstance(scratch, dict) or not str(scratch.get("name", "")).strip():
            raise ImportSourceError(f"GA base {folder}: {memory / 'scratch.json'} has no 'name'")
        personas[person.name] = scratch
        spatial_file = memory / "spatial_memory.json"
        spatial[person.name] = _json(spatial_file, root) if spatial_file.is_file() else {}
    if not personas:
        raise ImportSourceError(f"GA base {folder}: personas/ holds no persona folders")
    spawns: dict[str, tuple[int, int]] = {}
    env_file = folder / "environment" / "0.json"
    if env_file.is_file():
        env = _json(env_file, root)
        for person, where in env.items() if isinstance(env, dict) else []:
            try:
                spawns[str(person)] = (int(where["x"]), int(where["y"]))
            except (KeyError, TypeError, ValueError):
                raise ImportSourceError(f"GA base {folder}: {env_file} entry {person!r} has no integer x, y") from None
    meta_file = folder / "reverie" / "meta.json"
    meta = _json(meta_file, root) if meta_file.is_file() else {}
    return GaBase(name=name, folder=folder, personas=personas, spatial=spatial, spawns=spawns, meta=meta)


def _json(path: Path, root: Path) -> Any:
    if not path.is_file():
        raise ImportSourceError(f"GA checkout {root}: missing {_rel(path, root)}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ImportSourceError(f"GA checkout {root}: {_rel(path, root)} is not valid JSON ({exc})") from None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _maze(path: Path, width: int, height: int, root: Path) -> np.ndarray:
    if not path.is_file():
        raise ImportSourceError(f"GA checkout {root}: missing {_rel(path, root)}")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            values = [cell.strip() for row in csv.reader(handle) for cell in row]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportSourceError(f"GA checkout {root}: {_rel(path, root)} is not CSV ({exc})") from None
    values = [v for v in values if v != ""]
    if len(values) != width * height:
        raise ImportSourceError(
            f"GA checkout {root}: {_rel(path, root)} has {len(values)} cells, expected {width}x{height}"
        )
    return np.array(values, dtype=object).reshape(height, width)


def _blocks(path: Path, root: Path) -> dict[str, list[str]]:
    if not path.is_file():
        raise ImportSourceError(f"GA checkout {root}: missing {_rel(path, root)}")
    rows: dict[str, list[str]] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                cells = [c.strip() for c in row]
                if len(cells) >= 2 and cells[0]:
                    rows[cells[0]] = cells[1:]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportSourceError(f"GA checkout {root}: {_rel(path, root)} is not CSV ({exc})") from None
    return rows


def _visual_map(visuals: Path, root: Path) -> Path:
    """The front end's Tiled map: GA loads the_ville_jan7.json; any single JSON map in visuals/ will do."""
    preferred = visuals / "the_ville_jan7.json"
    if preferred.is_file():
        return preferred
    candidates = sorted(visuals.glob("*.json")) if visuals.is_dir() else []
    if len(candidates) == 1:
        return candidates[0]
    raise ImportSourceError(
        f"GA checkout {root}: no Tiled JSON map in {_rel(visuals, root)} (expected the_ville_jan7.json)"
    )
