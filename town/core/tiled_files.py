"""The files a Tiled map points at, and the checked values inside them.

`read_tiled_document` reads a map, tileset or template in either format as Tiled's JSON layout; `read_tileset` an
embedded or external .tsx/.tsj tileset, paths resolved from the tileset's own folder; `with_template` an object placed
from a .tx/.tj template; `finite` and `properties` are the checked readers every part of the parser shares.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from town.core.errors import MapError
from town.core.input_files import MAP, check_tree, parse_json, read_text
from town.core.shapes import outline_contains
from town.core.tiled_model import GID_MASK, TiledObject, TileInfo, Tileset
from town.core.tmx import parse_xml, tmx_to_json, tsx_to_json, tx_to_json

MAP_SUFFIXES = {".tmj", ".json", ".tmx"}
TemplateCache = dict[Path, dict[str, Any]]


def read_tiled_document(path: Path, what: str) -> Any:
    """A Tiled file ('map', 'tileset' or 'template') as JSON-layout data, whichever of the two formats it is in."""
    text = read_text(path, what, MapError, MAP)
    if path.suffix.lower() in {".tmx", ".tsx", ".tx"} or text.lstrip().startswith("<"):
        root = parse_xml(text, str(path))
        converted = {"map": tmx_to_json, "tileset": tsx_to_json, "template": tx_to_json}[what](root, str(path))
        check_tree(converted, f"{what} {path}", MapError, MAP)  # NaN or inf in an XML attribute, deep groups
        return converted
    return parse_json(text, f"{what} {path}", MapError, MAP)


def joined(folder: Path, relative: str) -> str:
    """A path from a Tiled file, joined to the file's folder with '..' folded away (for messages and loading)."""
    return os.path.normpath(folder / relative)


def finite(value: Any, field: str, source: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MapError(f"map {source}: '{field}' must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise MapError(f"map {source}: '{field}' must be a finite number, got {value!r}")
    return number


def flag(value: object) -> bool | None:
    """A bool property as Tiled writes it (true/false), or as a hand-edited file may ("true"); None if it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def properties(raw: Any, source: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, dict):  # the pre-1.2 Tiled layout
        return {str(k): v for k, v in raw.items()}
    if not isinstance(raw, list):
        raise MapError(f"map {source}: 'properties' must be a list")
    return {str(p.get("name")): p.get("value") for p in raw if isinstance(p, dict)}


def read_tileset(raw: Any, base: Path, source: str) -> Tileset:
    """One entry of a map's `tilesets`: embedded, or a reference to a .tsx/.tsj file relative to `base`."""
    if not isinstance(raw, dict):
        raise MapError(f"map {source}: every tileset must be an object")
    firstgid = int(raw.get("firstgid", 1))
    if firstgid < 1:
        raise MapError(f"map {source}: tileset firstgid {firstgid} must be at least 1")
    folder, origin = base, ""
    if raw.get("source"):
        path = base / str(raw["source"])
        if not path.is_file():
            raise MapError(
                f"map {source}: tileset '{raw['source']}' not found (looked for {path}); keep it beside the map or "
                "embed it (Tiled: Map > Embed Tilesets)"
            )
        doc = read_tiled_document(path, "tileset")
        if not isinstance(doc, dict):
            raise MapError(f"map {source}: tileset '{raw['source']}' is not a tileset")
        raw, folder, origin = doc, path.parent, str(path)
    tiles: dict[int, TileInfo] = {}
    entries = raw.get("tiles", [])
    if isinstance(entries, dict):  # the pre-1.2 layout: tile id -> fields
        entries = [{"id": int(k), **v} for k, v in entries.items() if isinstance(v, dict)]
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        image = str(entry.get("image", "") or "")
        tile_w = int(raw.get("tilewidth", 0) or 0)
        tile_h = int(raw.get("tileheight", 0) or 0)
        tiles[int(entry.get("id", 0))] = TileInfo(
            blocks_centre=_shapes_cover_centre(entry.get("objectgroup"), tile_w, tile_h, source),
            kind=str(entry.get("class", "") or entry.get("type", "") or ""),
            properties=properties(entry.get("properties"), source),
            image=joined(folder, image) if image else "",
            width=int(entry.get("imagewidth", 0) or 0),
            height=int(entry.get("imageheight", 0) or 0),
        )
    image = str(raw.get("image", "") or "")
    offset = raw.get("tileoffset") or {}
    return Tileset(
        firstgid=firstgid,
        name=str(raw.get("name", "")),
        source=origin,
        image=joined(folder, image) if image else "",
        image_width=int(raw.get("imagewidth", 0) or 0),
        image_height=int(raw.get("imageheight", 0) or 0),
        tile_width=int(raw.get("tilewidth", 0) or 0),
        tile_height=int(raw.get("tileheight", 0) or 0),
        tilecount=int(raw.get("tilecount", 0) or 0),
        columns=int(raw.get("columns", 0) or 0),
        margin=int(raw.get("margin", 0) or 0),
        spacing=int(raw.get("spacing", 0) or 0),
        transparent_color=str(raw.get("transparentcolor", "") or ""),
        offset=(int(offset.get("x", 0)), int(offset.get("y", 0))) if isinstance(offset, dict) else (0, 0),
        tiles=tiles,
    )


def _shapes_cover_centre(group: Any, tile_w: int, tile_h: int, source: str) -> bool:
    """Whether the collision shapes drawn on a tile cover its centre (a thin fence along an edge does not block)."""
    if not isinstance(group, dict) or not isinstance(group.get("objects"), list) or not tile_w or not tile_h:
        return False
    centre = (tile_w / 2, tile_h / 2)
    for raw in group["objects"]:
        if not isinstance(raw, dict):
            continue
        obj = TiledObject(
            kind="",
            x=finite(raw.get("x", 0), "x", source),
            y=finite(raw.get("y", 0), "y", source),
            width=finite(raw.get("width", 0), "width", source),
            height=finite(raw.get("height", 0), "height", source),
            rotation=finite(raw.get("rotation", 0), "rotation", source),
            shape="ellipse"
            if raw.get("ellipse")
            else ("polygon" if isinstance(raw.get("polygon"), list) else "rectangle"),
            points=tuple(
                (finite(p.get("x", 0), "x", source), finite(p.get("y", 0), "y", source))
                for p in raw.get("polygon") or []
                if isinstance(p, dict)
            ),
        )
        if obj.shape == "polygon" and len(obj.points) < 3:
            continue
        if outline_contains(obj, centre):
            return True
    return False


def with_template(raw: dict, base: Path, tilesets: list[Tileset], cache: TemplateCache, source: str) -> dict:
    """An object placed from a template: the template's fields, overridden by what the instance sets."""
    path = (base / str(raw["template"])).resolve()
    template = cache.get(path)
    if template is None:
        if not path.is_file():
            raise MapError(f"map {source}: object template '{raw['template']}' not found (looked for {path})")
        doc = read_tiled_document(path, "template")
        if not isinstance(doc, dict) or not isinstance(doc.get("object"), dict):
            raise MapError(f"map {source}: object template '{raw['template']}' holds no object")
        template = dict(doc["object"])
        if template.get("gid") and isinstance(doc.get("tileset"), dict):
            template["gid"] = _template_gid(int(template["gid"]), doc["tileset"], path.parent, tilesets)
        cache[path] = template
    merged = {**template, **{k: v for k, v in raw.items() if k != "template"}}
    merged_props = properties(template.get("properties"), source)
    merged_props.update(properties(raw.get("properties"), source))
    merged["properties"] = [{"name": k, "value": v} for k, v in merged_props.items()]
    return merged


def _template_gid(gid: int, tileset_ref: dict, folder: Path, tilesets: list[Tileset]) -> int:
    """A template's tile id is counted in its own tileset; the map counts the same tileset from its own firstgid."""
    ref = tileset_ref.get("source")
    local = (gid & GID_MASK) - int(tileset_ref.get("firstgid", 1))
    if ref:
        wanted = str((folder / str(ref)).resolve())
        for tileset in tilesets:
            if tileset.source and str(Path(tileset.source).resolve()) == wanted:
                return tileset.firstgid + local
    return 0  # the map does not carry that tileset: the object keeps its size, without a tile to draw
