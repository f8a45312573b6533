"""`town map import-ga`, `town map check`, `town map init` and `town map generate`."""

from __future__ import annotations

import argparse
from pathlib import Path


def map_command(args: argparse.Namespace) -> int:
    return {"import-ga": _import_ga, "check": _check, "init": _init, "generate": _generate}[args.map_command](args)


def _import_ga(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from town.mapping.ga_import import import_ga  # noqa: PLC0415

    console = Console(stderr=True, soft_wrap=True)
    result = import_ga(args.checkout, args.out, base_name=args.base, art=args.art, overwrite=args.overwrite)
    c = result.converted
    console.print(
        f"[bold]town map import-ga[/bold]: {result.map_path} ({len(c.kept_layers)} tile layers, "
        f"{c.kept_tilesets + 1} tilesets; art {c.images_found}/{c.kept_tilesets} images found), "
        f"{len(result.personas)} personas in {result.out / 'personas'}, notes in {result.out / 'IMPORT.md'}"
    )
    for line in result.fidelity.lines():
        console.print(f"  {line}")
    if c.images_missing:
        console.print(
            f"[yellow]note[/yellow]: {len(c.images_missing)} tileset image(s) not found; the town draws its own "
            "plan-view style where art is missing (pass --art FOLDER with GA's map_assets)"
        )
    print(result.map_path)
    return 0


def _check(args: argparse.Namespace) -> int:
    from town.mapping.check import check_map, format_report  # noqa: PLC0415

    report = check_map(args.file)
    print(format_report(report))
    return 2 if report.errors else 0


def _init(args: argparse.Namespace) -> int:
    from town.mapping.init import init_map  # noqa: PLC0415

    added = init_map(args.file, args.out, overwrite=args.overwrite)
    print(f"{args.out}: added {', '.join(added) if added else 'nothing (every town layer was there)'}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415

    from town.core.errors import ConfigError  # noqa: PLC0415
    from town.core.places import load_town_map  # noqa: PLC0415
    from town.mapping.files import write_new_file  # noqa: PLC0415
    from town.mapping.generate import TILESET_IMAGE, generate_town  # noqa: PLC0415
    from town.runtime.config import ASSETS  # noqa: PLC0415

    out: Path = args.out
    if out.suffix.lower() not in {".tmj", ".json"}:
        raise ConfigError(f"--out {out}: name a .tmj file (the map is written as Tiled JSON)")
    if args.people < 1:
        raise ConfigError("--people: a town needs at least one resident")
    tiles = out.parent / TILESET_IMAGE
    for path in (out, tiles):
        if path.exists() and not args.overwrite:
            raise ConfigError(f"{path}: already exists; pass --overwrite to replace it")
    doc = generate_town(args.people, seed=args.seed, world=args.world)
    write_new_file(tiles, (ASSETS / "tiles" / "town.png").read_bytes())  # the app dresses a map drawn with it
    write_new_file(out, (json.dumps(doc, indent=None, separators=(",", ":")) + "\n").encode("utf-8"))
    town = load_town_map(out)  # what was written loads as a town
    homes = sum(not s.public for s in town.sectors.values())
    print(
        f"{out}: {town.world}, {town.width}x{town.height} tiles, {len(town.sectors)} buildings "
        f"({homes} residential, {len(town.sectors) - homes} public), {len(town.arenas)} arenas, "
        f"for {args.people} people"
    )
    return 0
