"""Tiled's XML formats (.tmx maps, .tsx tilesets, .tx templates) turned into the layout of Tiled's JSON formats.

`tmx_to_json`, `tsx_to_json` and `tx_to_json` return the dicts Tiled itself would write as .tmj/.tsj/.tj, so one
parser (town.core.tiled) reads both formats and both get the same checks. The standard library's XML parser is
enough (expat refuses entity expansion bombs, and external entities are never fetched); the map never goes through
pytmx, which imports pygame (printing its banner on stdout) and drops external tilesets.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from town.core.errors import MapError

# Group layers nest; a depth past this is not a map a person made (and would exhaust the stack).
MAX_NESTING = 64


def parse_xml(text: str, source: str) -> ET.Element:
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise MapError(f"map {source}: not valid XML ({exc}); save it again from Tiled") from None


def tmx_to_json(root: ET.Element, source: str) -> dict[str, Any]:
    if root.tag != "map":
        raise MapError(f"map {source}: not a Tiled map (the XML root is <{root.tag}>, expected <map>)")
    out: dict[str, Any] = {"type": "map"}
    for key in ("orientation", "renderorder", "staggeraxis", "staggerindex", "class", "tiledversion", "version"):
        if key in root.attrib:
            out[key] = root.attrib[key]
    for key in ("width", "height", "tilewidth", "tileheight", "hexsidelength"):
        if key in root.attrib:
            out[key] = _int(root.attrib[key], key, source)
    out["infinite"] = root.attrib.get("infinite", "0") == "1"
    out["properties"] = _properties(root.find("properties"), source)
    out["tilesets"] = [_tileset_entry(t, source) for t in root.findall("tileset")]
    out["layers"] = _layers(root, source, 0)
    return out


def tsx_to_json(root: ET.Element, source: str) -> dict[str, Any]:
    if root.tag != "tileset":
        raise MapError(f"tileset {source}: not a Tiled tileset (the XML root is <{root.tag}>, expected <tileset>)")
    return _tileset_body(root, source)


def tx_to_json(root: ET.Element, source: str) -> dict[str, Any]:
    if root.tag != "template":
        raise MapError(f"template {source}: not a Tiled template (the XML root is <{root.tag}>, expected <template>)")
    obj = root.find("object")
    if obj is None:
        raise MapError(f"template {source}: holds no <object>")
    out: dict[str, Any] = {"type": "template", "object": _object(obj, source)}
    tileset = root.find("tileset")
    if tileset is not None:
        out["tileset"] = _tileset_entry(tileset, source)
    return out


def _layers(parent: ET.Element, source: str, depth: int) -> list[dict[str, Any]]:
    if depth > MAX_NESTING:
        raise MapError(f"map {source}: group layers nest more than {MAX_NESTING} deep")
    layers: list[dict[str, Any]] = []
    for child in parent:
        if child.tag == "layer":
            layers.append(_tile_layer(child, source))
        elif child.tag == "objectgroup":
            layer = _common(child, "objectgroup", source)
            layer["objects"] = [_object(o, source) for o in child.findall("object")]
            layers.append(layer)
        elif child.tag == "imagelayer":
            layer = _common(child, "imagelayer", source)
            image = child.find("image")
            layer["image"] = image.attrib.get("source", "") if image is not None else ""
            if image is not None and "trans" in image.attrib:
                layer["transparentcolor"] = "#" + image.attrib["trans"].lstrip("#")
            layers.append(layer)
        elif child.tag == "group":
            layer = _common(child, "group", source)
            layer["layers"] = _layers(child, source, depth + 1)
            layers.append(layer)
    return layers


def _common(element: ET.Element, kind: str, source: str) -> dict[str, Any]:
    attrib = element.attrib
    layer: dict[str, Any] = {"type": kind, "name": attrib.get("name", "")}
    if "id" in attrib:
        layer["id"] = _int(attrib["id"], "id", source)
    for key in ("offsetx", "offsety", "opacity", "parallaxx", "parallaxy"):
        if key in attrib:
            layer[key] = _float(attrib[key], key, source)
    layer["visible"] = attrib.get("visible", "1") != "0"
    if "class" in attrib:
        layer["class"] = attrib["class"]
    layer["properties"] = _properties(element.find("properties"), source)
    return layer


def _tile_layer(element: ET.Element, source: str) -> dict[str, Any]:
    layer = _common(element, "tilelayer", source)
    for key in ("width", "height"):
        if key in element.attrib:
            layer[key] = _int(element.attrib[key], key, source)
    data = element.find("data")
    if data is None:
        layer["data"] = []
        return layer
    if data.find("chunk") is not None:
        layer["chunks"] = []
        return layer
    encoding = data.attrib.get("encoding", "")
    if encoding == "csv":
        text = (data.text or "").replace("\n", "").strip().rstrip(",")
        try:
            layer["data"] = [int(v) for v in text.split(",")] if text else []
        except ValueError:
            raise MapError(f"map {source}: layer '{layer['name']}' has CSV tile data that is not numbers") from None
    elif encoding == "base64":
        layer["encoding"] = "base64"
        layer["data"] = (data.text or "").strip()
        layer["compression"] = data.attrib.get("compression", "")
    elif encoding:
        raise MapError(f"map {source}: layer '{layer['name']}' uses encoding {encoding!r}; choose CSV or Base64")
    else:  # one <tile gid="..."/> element per cell
        layer["data"] = [_int(t.attrib.get("gid", "0"), "gid", source) for t in data.findall("tile")]
    return layer


def _object(element: ET.Element, source: str) -> dict[str, Any]:
    attrib = element.attrib
    obj: dict[str, Any] = {}
    for key in ("id", "gid"):
        if key in attrib:
            obj[key] = _int(attrib[key], key, source)
    for key in ("x", "y", "width", "height", "rotation"):
        if key in attrib:
            obj[key] = _float(attrib[key], key, source)
    for key in ("name", "type", "class", "template"):
        if key in attrib:
            obj[key] = attrib[key]
    if "visible" in attrib:
        obj["visible"] = attrib["visible"] != "0"
    if element.find("point") is not None:
        obj["point"] = True
    if element.find("ellipse") is not None:
        obj["ellipse"] = True
    for shape in ("polygon", "polyline"):
        node = element.find(shape)
        if node is not None:
            obj[shape] = _points(node.attrib.get("points", ""), source)
    if element.find("text") is not None:
        obj["text"] = {"text": element.find("text").text or ""}  # type: ignore[union-attr]
    props = element.find("properties")
    if props is not None:
        obj["properties"] = _properties(props, source)
    return obj


def _points(text: str, source: str) -> list[dict[str, float]]:
    points = []
    for pair in text.split():
        x, _, y = pair.partition(",")
        points.append({"x": _float(x, "points", source), "y": _float(y, "points", source)})
    return points


def _tileset_entry(element: ET.Element, source: str) -> dict[str, Any]:
    firstgid = _int(element.attrib.get("firstgid", "1"), "firstgid", source)
    if "source" in element.attrib:
        return {"firstgid": firstgid, "source": element.attrib["source"]}
    body = _tileset_body(element, source)
    body["firstgid"] = firstgid
    return body


def _tileset_body(element: ET.Element, source: str) -> dict[str, Any]:
    attrib = element.attrib
    out: dict[str, Any] = {"name": attrib.get("name", "")}
    for key in ("tilewidth", "tileheight", "tilecount", "columns", "spacing", "margin"):
        if key in attrib:
            out[key] = _int(attrib[key], key, source)
    if "class" in attrib:
        out["class"] = attrib["class"]
    offset = element.find("tileoffset")
    if offset is not None:
        out["tileoffset"] = {
            "x": _int(offset.attrib.get("x", "0"), "tileoffset", source),
            "y": _int(offset.attrib.get("y", "0"), "tileoffset", source),
        }
    image = element.find("image")
    if image is not None:
        out.update(_image(image, source))
    out["properties"] = _properties(element.find("properties"), source)
    tiles = []
    for tile in element.findall("tile"):
        entry: dict[str, Any] = {"id": _int(tile.attrib.get("id", "0"), "tile id", source)}
        for key in ("type", "class"):
            if key in tile.attrib:
                entry[key] = tile.attrib[key]
        entry["properties"] = _properties(tile.find("properties"), source)
        tile_image = tile.find("image")
        if tile_image is not None:
            entry.update(_image(tile_image, source))
        shapes = tile.find("objectgroup")  # Tiled's tile collision editor
        if shapes is not None:
            entry["objectgroup"] = {"objects": [_object(o, source) for o in shapes.findall("object")]}
        tiles.append(entry)
    if tiles:
        out["tiles"] = tiles
    return out


def _image(element: ET.Element, source: str) -> dict[str, Any]:
    out: dict[str, Any] = {"image": element.attrib.get("source", "")}
    for key, target in (("width", "imagewidth"), ("height", "imageheight")):
        if key in element.attrib:
            out[target] = _int(element.attrib[key], key, source)
    if "trans" in element.attrib:
        out["transparentcolor"] = "#" + element.attrib["trans"].lstrip("#")
    return out


def _properties(element: ET.Element | None, source: str) -> list[dict[str, Any]]:
    if element is None:
        return []
    props = []
    for prop in element.findall("property"):
        kind = prop.attrib.get("type", "string")
        raw = prop.attrib.get("value", prop.text or "")
        value: Any = raw
        if kind == "bool":
            value = raw == "true"
        elif kind in ("int", "object"):
            value = _int(raw or "0", f"property {prop.attrib.get('name', '')}", source)
        elif kind == "float":
            value = _float(raw or "0", f"property {prop.attrib.get('name', '')}", source)
        elif kind == "class":
            nested = prop.find("properties")
            value = {p["name"]: p["value"] for p in _properties(nested, source)}
        props.append({"name": prop.attrib.get("name", ""), "type": kind, "value": value})
    return props


def _int(text: str, what: str, source: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            raise MapError(f"map {source}: {what} {text!r} is not a number") from None
        if not as_float.is_integer():
            raise MapError(f"map {source}: {what} {text!r} is not a whole number") from None
        return int(as_float)


def _float(text: str, what: str, source: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise MapError(f"map {source}: {what} {text!r} is not a number") from None
