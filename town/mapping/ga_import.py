"""`import_ga`: a Generative Agents checkout becomes a folder with an ordinary Tiled map, persona files and IMPORT.md.

The folder is staged beside its destination and moved in only when everything is written and the map and every
persona load back; a folder holding anything import-ga did not write is refused, and on --overwrite only the files
the earlier import listed in its manifest are replaced or removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from agents.persona import Persona, check_against_map, load_persona
from town.core.errors import ConfigError, ImportSourceError
from town.core.places import TownMap, load_town_map
from town.mapping.files import make_ordinary
from town.mapping.ga_checkout import DEFAULT_BASE, DEFAULT_MAZE, GaBase, GaWorld, find_root, read_base, read_world
from town.mapping.ga_fidelity import Fidelity, measure_fidelity
from town.mapping.ga_map import PLACES_IMAGE, ConvertedMap, convert_map
from town.mapping.ga_personas import Derivation, PersonaDeriver, slug

MANIFEST = ".town-import.json"
NOTES = "IMPORT.md"
PERSONAS = "personas"


@dataclass
class ImportResult:
    out: Path
    map_path: Path
    personas: list[Path]
    fidelity: Fidelity
    converted: ConvertedMap
    derivations: list[Derivation]


def import_ga(
    checkout: Path, out: Path, base_name: str = DEFAULT_BASE, art: Path | None = None, overwrite: bool = False
) -> ImportResult:
    root = find_root(checkout)
    previous = _check_destination(out, overwrite)
    base = read_base(root, base_name)
    world = read_world(root, str(base.meta.get("maze_name") or DEFAULT_MAZE))
    if art is not None and not art.is_dir():
        raise ImportSourceError(
            f"--art {art}: not a folder (it should hold GA's map_assets: v1/, cute_rpg_word_VXAce/)"
        )
    order = [str(n) for n in base.meta.get("persona_names", []) if str(n) in base.personas]
    order += [n for n in sorted(base.personas) if n not in order]
    names = [str(base.personas[folder]["name"]).strip() for folder in order]
    ids = _unique_ids(names)
    map_name = f"{world.maze}.tmj"

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=out.parent))
    try:
        converted = convert_map(world, base, {folder: ids[n] for folder, n in zip(order, names, strict=True)}, out, art)
        (stage / map_name).write_text(json.dumps(converted.document, ensure_ascii=False) + "\n", encoding="utf-8")
        (stage / PLACES_IMAGE).write_bytes(converted.places_png)
        town = load_town_map(stage / map_name)
        personas, derivations = _personas(town, base, order, names, ids)
        (stage / PERSONAS).mkdir()
        written = [map_name, PLACES_IMAGE]
        for index, persona in enumerate(personas):
            rel = f"{PERSONAS}/{index + 1:02d}-{persona.id}.yaml"
            (stage / rel).write_text(_persona_yaml(persona, base.name), encoding="utf-8")
            check_against_map(load_persona(stage / rel), town)  # what a run will read, read back
            written.append(rel)
        fidelity = measure_fidelity(town, world, base, {f: ids[n] for f, n in zip(order, names, strict=True)})
        (stage / NOTES).write_text(
            _notes(world, base, converted, fidelity, derivations, art, root, map_name), encoding="utf-8"
        )
        written.append(NOTES)
        (stage / MANIFEST).write_text(json.dumps({"written_by": "town map import-ga", "files": written}, indent=1))
        _move_in(stage, out, written, previous)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return ImportResult(
        out=out,
        map_path=out / map_name,
        personas=[out / f for f in written if f.startswith(PERSONAS)],
        fidelity=fidelity,
        converted=converted,
        derivations=derivations,
    )


def _check_destination(out: Path, overwrite: bool) -> list[str] | None:
    """The files an earlier import wrote there (to replace), None for a new folder; refuses anything else."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return None
    manifest = out / MANIFEST
    if not manifest.is_file():
        raise ConfigError(
            f"--out {out}: the folder holds files that import-ga did not write; choose a new or empty folder"
        )
    if not overwrite:
        raise ConfigError(f"--out {out}: already holds an import; pass --overwrite to replace it")
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        return [str(f) for f in files]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ConfigError(f"--out {out}: {MANIFEST} is damaged; choose a new folder") from None


def _move_in(stage: Path, out: Path, written: list[str], previous: list[str] | None) -> None:
    make_ordinary(stage)
    if not out.exists():
        os.replace(stage, out)
        stage.mkdir()  # the caller removes the (now empty) stage
        return
    (out / PERSONAS).mkdir(exist_ok=True)
    for rel in [*written, MANIFEST]:
        os.replace(stage / rel, out / rel)
    for rel in previous or []:
        if rel not in written and (out / rel).is_file():
            (out / rel).unlink()  # written by the earlier import (its manifest says so), gone from this one


def _unique_ids(names: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        if name in ids:
            raise ImportSourceError(f"GA base: the name {name!r} is used by two personas")
        candidate, n = slug(name), 2
        while candidate in used:
            candidate, n = f"{slug(name)}-{n}", n + 1
        ids[name] = candidate
        used.add(candidate)
    return ids


def _personas(
    town: TownMap, base: GaBase, order: list[str], names: list[str], ids: dict[str, str]
) -> tuple[list[Persona], list[Derivation]]:
    deriver = PersonaDeriver(town, ids)
    personas, derivations = [], []
    for folder in order:
        persona, how = deriver.derive(base.personas[folder], base.spatial.get(folder, {}))
        personas.append(persona)
        derivations.append(how)
    return personas, derivations


def _persona_yaml(persona: Persona, base: str) -> str:
    header = (
        f"# Imported by `town map import-ga` from Generative Agents' {base}; "
        "IMPORT.md says which fields were derived.\n"
    )
    body = yaml.safe_dump(
        persona.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True, width=110
    )
    return header + body


def _notes(
    world: GaWorld,
    base: GaBase,
    converted: ConvertedMap,
    fidelity: Fidelity,
    derivations: list[Derivation],
    art: Path | None,
    root: Path,
    map_name: str,
) -> str:
    n = len(derivations)
    tally: dict[str, dict[str, int]] = {}
    for how in derivations:
        for name, text in how.fields.items():
            tally.setdefault(name, {})
            tally[name][text] = tally[name].get(text, 0) + 1
    unknown = sorted({t for how in derivations for t in how.unknown_traits})
    art_where = art if art is not None else world.visuals / "map_assets"
    lines = [
        f"# {world.world}, imported from Generative Agents",
        "",
        f"Written by `town map import-ga` from the checkout at `{root.resolve()}` "
        f"(map `{world.maze}`, base `{base.name}`).",
        "",
        "Run it:",
        "",
        "```bash",
        f"town run --map {map_name} --personas personas --agents {n} --hours 2",
        f"town play --map {map_name} --personas personas --agents {n}",
        "```",
        "(paths relative to this folder)",
        "",
        "## Carried over exactly",
        "",
        f"- The map: {world.width}x{world.height} tiles of {world.tile_size} px; the front end's tile layers "
        f"{', '.join(repr(x) for x in converted.kept_layers)} with their tile ids and flip flags, "
        "in GA's drawing order; "
        "layers whose names start with 'Foreground' are drawn above the agents (layer property `foreground`).",
        f"- Every tile's place, from the backend's `matrix/maze/*.csv` and `matrix/special_blocks/*.csv`: world "
        f"'{world.world}', {len(set(world.sectors.values()))} sectors, arena and object names verbatim, "
        "painted into the "
        "tile layers `sectors`, `arenas`, `objects` (group `town`, hidden) with the tileset `places.png` whose tiles "
        "carry each name; `collision` from `collision_maze.csv`.",
        f"- Spawns: GA's {fidelity.ga_spawn_tiles} sp-* tiles as points named by their GA address, and each persona's "
        f"start tile from `environment/0.json` ({converted.persona_spawns} points named by persona id).",
        "- Persona fields verbatim: name, age, traits (innate), social and personal identity (learned), life context "
        "(currently), lifestyle (lifestyle + daily_plan_req), home and home arena (living_area), known places "
        "(the arenas of spatial_memory.json).",
        "",
        "## Replaced",
        "",
        f"- GA's block layers {', '.join(repr(x) for x in converted.dropped_layers) or '(none)'} and the block "
        "tilesets: the backend reads the matrices, not these layers, so the town's own layers above take their place.",
        "- Sectors with no bed are public (every agent knows them): "
        + ", ".join(converted.public_sectors)
        + ". GA has no such flag; dwellings are the sectors with a bed.",
    ]
    if converted.unnamed_blocks:
        lines.append(
            "- Tiles whose block id has no row in special_blocks (GA ignores them too): "
            + ", ".join(f"{level} {count}" for level, count in converted.unnamed_blocks.items())
        )
    lines += [
        "",
        "## Art",
        "",
        f"{converted.images_found} of {converted.kept_tilesets} tileset images found under `{art_where}`; the map "
        "refers to them by relative path and they are not copied (their licences do not allow redistribution). "
        "Without them the town draws its own plan-view style. Art credits (GA's README): PixyMoon (background), "
        "LimeZu (furniture), ぴぽ (characters).",
    ]
    if converted.images_missing:
        lines.append("Missing: " + ", ".join(f"`{m}`" for m in converted.images_missing))
    lines += ["", "## Derived or defaulted (GA has no such field)", ""]
    for name in ("occupation", "big_five", "workplace", "wake_time", "bed_time", "routine", "relationships"):
        for text, count in sorted(tally.get(name, {}).items()):
            lines.append(f"- {name}: {text} — {count}/{n}")
    if unknown:
        lines.append(f"- Trait adjectives without Big Five loadings (left at 0.5): {', '.join(unknown)}")
    lines += ["", "## Fidelity (this map loaded back, compared with GA's matrices)", ""]
    lines += [f"- {line}" for line in fidelity.lines()]
    lines += [
        "",
        "Generative Agents (Park et al., 2023) is Apache-2.0; its map data and personas are used here as the user's "
        "own checkout holds them.",
        "",
    ]
    return "\n".join(lines)
