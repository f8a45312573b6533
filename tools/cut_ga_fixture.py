"""Cut a small window of a Generative Agents checkout into tests/fixtures/ga-mini, in GA's own layout and format.

    python tools/cut_ga_fixture.py GA_CHECKOUT [--x 50 --y 10 --w 50 --h 22]

The window keeps the matrices (one long CSV row each, as GA writes them), the block tables, a cut of the front end's
Tiled map (two art layers and GA's block layers; the tileset entries, not their images) and a starting simulation of
the three people who live inside the window, their start tiles shifted with it. Generative Agents is Apache-2.0;
the fixture's README says so. No tileset image is copied.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

ASSETS = Path("environment/frontend_server/static_dirs/assets/the_ville")
STORAGE = Path("environment/frontend_server/storage")
PEOPLE = ("Isabella Rodriguez", "Arthur Burton", "Ryan Park")
README = """# ga-mini: a window of Generative Agents' Smallville, in GA's own layout

A {w}x{h}-tile window (tiles x {x}-{x2}, y {y}-{y2}) of "the Ville" from joonspk-research/generative_agents
(commit fe05a71d3e4ed7d10bf68aa4eda6dd995ec070f4), cut by `tools/cut_ga_fixture.py` so the import-ga tests run on
material in GA's exact format without a checkout: the backend's `matrix/maze/*.csv` (the window, one long row each),
`matrix/special_blocks/*.csv` (whole), a cut of the front end's `the_ville_jan7.json` (three art layers and GA's block
layers; tileset entries only - **no tileset image is included**), and a starting simulation `base_mini` of the three
people who live in the window (their `bootstrap_memory` files verbatim, start tiles shifted with the window).

Generative Agents: Interactive Simulacra of Human Behavior - Joon Sung Park et al., licensed under the Apache
License 2.0 (http://www.apache.org/licenses/LICENSE-2.0). The files here are excerpts of that repository's data,
unchanged except for the cut described above.
"""
ART_LAYERS = ("Exterior Ground", "Wall", "Foreground L1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--x", type=int, default=50)
    parser.add_argument("--y", type=int, default=10)
    parser.add_argument("--w", type=int, default=50)
    parser.add_argument("--h", type=int, default=22)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "tests/fixtures/ga-mini")
    a = parser.parse_args()
    src, out = a.checkout, a.out
    if out.exists():
        shutil.rmtree(out)  # the fixture folder is this tool's own output, README included
    out.mkdir(parents=True)
    (out / "README.md").write_text(README.format(w=a.w, h=a.h, x=a.x, y=a.y, x2=a.x + a.w - 1, y2=a.y + a.h - 1))
    meta = json.loads((src / ASSETS / "matrix/maze_meta_info.json").read_text())
    width = meta["maze_width"]
    (out / ASSETS / "matrix/maze").mkdir(parents=True)
    shutil.copytree(src / ASSETS / "matrix/special_blocks", out / ASSETS / "matrix/special_blocks")
    meta.update(maze_width=a.w, maze_height=a.h)
    (out / ASSETS / "matrix/maze_meta_info.json").write_text(json.dumps(meta, indent=1))
    for maze in sorted((src / ASSETS / "matrix/maze").glob("*.csv")):
        cells = [c.strip() for row in csv.reader(maze.open()) for c in row if c.strip()]
        window = [cells[(a.y + r) * width + a.x + c] for r in range(a.h) for c in range(a.w)]
        (out / ASSETS / "matrix/maze" / maze.name).write_text(", ".join(window) + "\n")
    visual = json.loads((src / ASSETS / "visuals/the_ville_jan7.json").read_text())
    layers = []
    for layer in visual["layers"]:
        if layer["type"] != "tilelayer" or (layer["name"] not in ART_LAYERS and "Blocks" not in layer["name"]):
            continue
        data = layer["data"]
        layer = {**layer, "width": a.w, "height": a.h}
        layer["data"] = [data[(a.y + r) * width + a.x + c] for r in range(a.h) for c in range(a.w)]
        layers.append(layer)
    visual.update(width=a.w, height=a.h, layers=layers)
    (out / ASSETS / "visuals").mkdir(parents=True)
    (out / ASSETS / "visuals/the_ville_jan7.json").write_text(json.dumps(visual))
    base_src = src / STORAGE / "base_the_ville_n25"
    base = out / STORAGE / "base_mini"
    env = json.loads((base_src / "environment/0.json").read_text())
    (base / "environment").mkdir(parents=True)
    shifted = {p: {"maze": "the_ville", "x": env[p]["x"] - a.x, "y": env[p]["y"] - a.y} for p in PEOPLE}
    (base / "environment/0.json").write_text(json.dumps(shifted, indent=2))
    (base / "reverie").mkdir()
    reverie = json.loads((base_src / "reverie/meta.json").read_text())
    reverie.update(fork_sim_code="base_mini", persona_names=list(PEOPLE))
    (base / "reverie/meta.json").write_text(json.dumps(reverie, indent=2))
    for person in PEOPLE:
        shutil.copytree(base_src / "personas" / person / "bootstrap_memory", base / "personas" / person / "bootstrap_memory")


if __name__ == "__main__":
    main()
