"""Benchmarks of maps and of the app's window, behind `town bench maps` and `town bench fps`.

`bench_maps` times loading a Tiled map; `bench_fps` the frames per second of the render loop while a fake model answers.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from town.benchmarks import bench_config
from town.runtime.builders import build_simulation


def bench_fps(
    agents: int = 25, latency: float = 0.2, frames: int = 600, map_path: Any = None, personas: Any = None
) -> dict[str, Any]:
    """Frames per second of the app's render loop (SDL dummy video) while a fixed-latency fake model answers.

    The camera sweeps the whole map during the run (zoomed out, then in), so the figure includes drawing every
    chunk of every layer once, not only a view that is already cached.
    """
    import os  # noqa: PLC0415

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from town.runtime.live import Command, LiveSession  # noqa: PLC0415
    from town.ui.app import App  # noqa: PLC0415 - the benchmark of the window itself

    overrides = {k: v for k, v in (("map", map_path), ("personas", personas)) if v is not None}
    sim = build_simulation(bench_config(agents, 24.0, fake_latency_s=latency, **overrides))
    session = LiveSession(sim)
    session.send(Command(kind="speed", speed="8x"))
    app = App(session, size=(1280, 720))
    app.states[0].select(sim.minds[0].name)
    world_w, world_h = sim.map.width * sim.map.tile_size, sim.map.height * sim.map.tile_size

    def sweep(app: App) -> bool:
        # A serpentine pass over the map at zoom 0.5 in the first half of the frames, at zoom 1 in the second.
        part = app.frame / max(1, frames)
        app.camera.zoom = 0.5 if part < 0.5 else 1.0
        t = (part * 2) % 1.0
        rows = 4
        row = min(rows - 1, int(t * rows))
        along = (t * rows) % 1.0
        x = along if row % 2 == 0 else 1 - along
        app.camera.center_on(x * world_w, (row + 0.5) / rows * world_h)
        return False

    started = time.perf_counter()
    app.run(max_frames=frames, stop_when=sweep)
    wall = time.perf_counter() - started
    times = sorted(app.frame_times)
    painter = app.renderer.painter
    return {
        "benchmark": "fps",
        "map": str(map_path or "default"),
        "map_tiles": f"{sim.map.width}x{sim.map.height}",
        "drawn_layers": len(painter.layers["below"]) + len(painter.layers["above"]),
        "plan_view": painter.plan_view,
        "agents": agents,
        "model_latency_s": latency,
        "frames": app.frame,
        "fps_capped_at_60": round(app.frame / wall, 1),
        "frame_ms_mean": round(1000 * statistics.mean(times), 2),
        "frame_ms_p95": round(1000 * times[int(0.95 * (len(times) - 1))], 2),
        "frame_ms_max": round(1000 * times[-1], 2),
        "fps_if_uncapped": round(1 / statistics.mean(times)),
        "ticks_simulated": sim.stats.ticks,
        "llm_calls_during": sim.llm.usage.calls,
    }


def bench_maps(map_path: Any = None, repeats: int = 5) -> dict[str, Any]:
    """Load time of a map: reading the Tiled file(s), and building the town (collision, places, spawns)."""
    from town.core.places import build_town_map  # noqa: PLC0415
    from town.core.tiled import load_tiled  # noqa: PLC0415
    from town.runtime.config import DEFAULT_MAP  # noqa: PLC0415

    path = map_path or DEFAULT_MAP
    read_s, build_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        tiled = load_tiled(path)
        t1 = time.perf_counter()
        town = build_town_map(tiled)
        read_s.append(t1 - t0)
        build_s.append(time.perf_counter() - t1)
    return {
        "benchmark": "maps",
        "map": str(path),
        "tiles": f"{tiled.width}x{tiled.height}",
        "layers": len(tiled.layers),
        "tilesets": len(tiled.tilesets),
        "sectors_arenas_objects": f"{len(town.sectors)} / {len(town.arenas)} / {len(town.objects)}",
        "read_ms_median": round(1000 * statistics.median(read_s), 1),
        "build_ms_median": round(1000 * statistics.median(build_s), 1),
        "load_ms_median": round(1000 * statistics.median([a + b for a, b in zip(read_s, build_s, strict=True)]), 1),
    }
