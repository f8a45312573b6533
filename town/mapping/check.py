"""`check_map`: everything a Tiled map lacks to be a town, listed at once.

The list covers collision, places, spawns, places no one
can reach, objects outside arenas, art that will not draw — as errors (the map cannot run) and warnings.

`format_report` prints it for `town map check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from town.core.errors import MapError
from town.core.layers import is_data_layer
from town.core.pathfinding import reachable
from town.core.places import TownMap, analyse_map
from town.core.tiled import TiledMap, TileLayer, load_tiled


@dataclass
class CheckReport:
    source: str
    summary: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_map(path: str | Path) -> CheckReport:
    report = CheckReport(source=str(path))
    try:
        tiled = load_tiled(path)
    except MapError as exc:
        report.errors.append(str(exc).removeprefix(f"map {path}: "))
        return report
    report.summary.append(
        f"{tiled.width}x{tiled.height} tiles of {tiled.tile_width}x{tiled.tile_height} px, {len(tiled.layers)} layers, "
        f"{len(tiled.tilesets)} tilesets"
    )
    if {"Arena Blocks", "Sector Blocks"} <= {layer.name for layer in tiled.layers}:
        report.summary.append(
            "this is Generative Agents' map format: `town map import-ga CHECKOUT --out DIR` converts the whole "
            "checkout (map, places, personas)"
        )
    town, found = analyse_map(tiled)
    report.errors += found.errors
    report.warnings += found.warnings
    report.summary.append("collision: " + ("; ".join(found.found) if found.found else "none"))
    if town is not None:
        _places(town, report)
    report.warnings += _art(tiled)
    return report


def _places(town: TownMap, report: CheckReport) -> None:
    public = sum(s.public for s in town.sectors.values())
    pieces = sum(len(o.access_tiles) for o in town.objects.values())
    report.summary.append(
        f"places: {len(town.sectors)} sectors ({public} public), {len(town.arenas)} arenas, "
        f"{len(town.objects)} objects ({pieces} pieces), {len(town.spawns)} spawns"
    )
    reach = reachable(town.walkable, list(town.spawns.values()))
    for obj in town.objects.values():
        if not any(reach[y, x] for x, y in obj.access_tiles):
            report.warnings.append(f"object '{obj.address}' cannot be reached from any spawn")
    for sector in town.sectors.values():
        if not sector.arenas:
            report.warnings.append(f"sector '{sector.name}' has no arena: agents cannot go there")
    if not public:
        report.warnings.append("no sector is public (bool property 'public'): agents know only home and work")
    if not any("bed" in a.objects for a in town.arenas.values()):
        report.warnings.append("no arena has an object named 'bed': agents sleep wherever their home arena is")


def _art(tiled: TiledMap) -> list[str]:
    warnings = []
    missing = [t for t in tiled.tilesets if t.image and not Path(t.image).is_file()]
    if missing:
        warnings.append(
            f"{len(missing)} of {len(tiled.tilesets)} tileset images not found (first: {missing[0].image}); "
            "their tiles are drawn in the town's own plan-view style"
        )
    for layer in tiled.tile_layers:
        if layer.parallax != (1.0, 1.0) and not is_data_layer(tiled, layer):
            warnings.append(f"layer '{layer.name}' has parallax {layer.parallax}; the town draws it without parallax")
        unknown = _unknown_gids(tiled, layer)
        if unknown:
            warnings.append(f"layer '{layer.name}' uses {unknown} tile id(s) that no tileset holds (not drawn)")
    return warnings


def _unknown_gids(tiled: TiledMap, layer: TileLayer) -> int:
    ranges = [(t.firstgid, t.last_gid()) for t in tiled.tilesets]
    return len({g for g in set(layer.data) if g and not any(lo <= g <= hi for lo, hi in ranges)})


def format_report(report: CheckReport) -> str:
    lines = [f"map {report.source}"]
    lines += [f"  {line}" for line in report.summary]
    if report.errors:
        lines.append(f"errors ({len(report.errors)}), each blocks a run:")
        lines += [f"  - {e}" for e in report.errors]
    if report.warnings:
        lines.append(f"warnings ({len(report.warnings)}):")
        lines += [f"  - {w}" for w in report.warnings]
    lines.append(
        f"cannot run: fix the {len(report.errors)} error(s) above" if report.errors else "ready: the map can be a town"
    )
    return "\n".join(lines)
