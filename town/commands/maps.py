"""`town map import-ga`, `town map check` and `town map init`."""

from __future__ import annotations

import argparse


def map_command(args: argparse.Namespace) -> int:
    return {"import-ga": _import_ga, "check": _check, "init": _init}[args.map_command](args)


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
