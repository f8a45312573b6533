"""`init_map`: a copy of a Tiled map with the town's empty layers added.

The copy is written as .tmj, with a
`collision` tile layer when the map has no collision of any kind, and the object layers `sectors`, `arenas`,
`objects` and `spawns` that it lacks — so a user can draw the places in Tiled. The original is never changed;
relative paths (external tilesets, images, templates) are rewritten for the new file's folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from town.core.collision import collision_grid
from town.core.errors import ConfigError, MapError
from town.core.tiled import MAP_SUFFIXES, load_tiled, read_tiled_document
from town.mapping import tiled_json as tj
from town.mapping.files import write_new_file

TOWN_OBJECT_LAYERS = ("sectors", "arenas", "objects", "spawns")


def init_map(source: Path, out: Path, overwrite: bool = False) -> list[str]:
    """Write `out`; the names of the layers added."""
    if out.suffix.lower() not in {".tmj", ".json"}:
        raise ConfigError(f"--out {out}: name a .tmj file (the copy is written as Tiled JSON)")
    if source.exists() and out.exists() and out.resolve() == source.resolve():
        raise ConfigError(f"--out {out}: is the map itself; init writes a new file and never changes the original")
    if out.exists() and not overwrite:
        raise ConfigError(f"--out {out}: already exists; pass --overwrite to replace it")
    if source.suffix.lower() not in MAP_SUFFIXES:
        raise MapError(f"map {source}: unknown map format {source.suffix!r}; save it from Tiled as .tmj or .tmx")
    tiled = load_tiled(source)  # every check of a real load, before anything is written
    doc = read_tiled_document(source, "map")
    _rebase(doc, source.parent, out.parent)
    ids = tj.LayerIds()
    ids.next_layer = max([int(doc.get("nextlayerid", 1) or 1), _max_layer_id(doc.get("layers", [])) + 1])
    ids.next_object = int(doc.get("nextobjectid", 1) or 1)
    added: list[str] = []
    _, found, _ = collision_grid(tiled)
    if not found:
        doc["layers"].append(
            tj.tile_layer(ids, "collision", tiled.width, tiled.height, [0] * (tiled.width * tiled.height), visible=True)
        )
        added.append("collision")
    present = {layer.name for layer in tiled.layers}
    for name in TOWN_OBJECT_LAYERS:
        if name not in present:
            doc["layers"].append(tj.object_layer(ids, name, []))
            added.append(name)
    doc["nextlayerid"], doc["nextobjectid"] = ids.next_layer, ids.next_object
    write_new_file(out, (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return added


def _max_layer_id(layers: list[Any]) -> int:
    best = 0
    for layer in layers:
        if isinstance(layer, dict):
            best = max(best, int(layer.get("id", 0) or 0), _max_layer_id(layer.get("layers", [])))
    return best


def _rebase(doc: dict[str, Any], old: Path, new: Path) -> None:
    """Relative paths in the map (tilesets, images, templates) made relative to the new file's folder."""

    def moved(path: str) -> str:
        if not path or Path(path).is_absolute():
            return path
        return Path(os.path.relpath((old / path).resolve(), new.resolve())).as_posix()

    for tileset in doc.get("tilesets", []):
        if isinstance(tileset, dict):
            for key in ("source", "image"):
                if tileset.get(key):
                    tileset[key] = moved(str(tileset[key]))
            for tile in tileset.get("tiles", []) if isinstance(tileset.get("tiles"), list) else []:
                if isinstance(tile, dict) and tile.get("image"):
                    tile["image"] = moved(str(tile["image"]))

    def walk(layers: list[Any]) -> None:
        for layer in layers:
            if not isinstance(layer, dict):
                continue
            if layer.get("image"):
                layer["image"] = moved(str(layer["image"]))
            for obj in layer.get("objects", []) or []:
                if isinstance(obj, dict) and obj.get("template"):
                    obj["template"] = moved(str(obj["template"]))
            walk(layer.get("layers", []) or [])

    walk(doc.get("layers", []))
