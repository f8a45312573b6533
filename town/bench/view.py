"""Benchmarks of maps and of the app's window, behind `town bench maps` and `town bench fps`.

`bench_maps` times loading a Tiled map; `bench_fps` the frames per second of the render loop while a fake model answers.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from town.bench.figures import bench_config
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


# `town bench live` runs each latency with time compressed by this factor (ticks 10x faster, answers 10x sooner), so
# what the town sees — how many ticks pass while a call is out — is exactly that latency at 1x, in a tenth of the time.
LIVE_COMPRESSION = 10
LIVE_AT_1X = 10.0  # ticks per second at 1x (town.runtime.live.SPEEDS)
DRAIN_HOURS = 4.0  # game time granted to finish the conversations begun in the measured hours


class TalkativeFake:
    """The schema fake, except that a conversation goes four lines before its goodbye.

    The live benchmark measures whether slow answers kill conversations, not the fake's coin-flips about ending them.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    async def complete(self, messages: Any, *, schema: Any, purpose: str, params: Any) -> Any:
        reply = await self.inner.complete(messages, schema=schema, purpose=purpose, params=params)
        if purpose != "utterance":
            return reply
        import json  # noqa: PLC0415

        prompt = messages[-1].content
        so_far = prompt.split("The conversation so far:", 1)[-1].split("\nWrite ", 1)[0]
        said = sum(1 for line in so_far.strip().splitlines() if ":" in line and not line.startswith("("))
        answer = json.loads(reply.text)
        answer["end_conversation"] = said >= 3
        return reply.model_copy(update={"text": json.dumps(answer)})


def bench_live(
    latencies: tuple[float, ...] = (2.0, 5.0, 20.0),
    agents: int = 10,
    hours: float = 2.0,
    modes: tuple[bool, ...] = (False, True),
) -> dict[str, Any]:
    """The app in live mode on a fixed-latency fake model: do conversations survive a model slower than game time?

    Each latency runs twice: live (the clock never waits; a slow model's decisions land late) and with "wait for the
    model" (the clock waits for answers that are due). Conversations that start within `hours` are followed to their
    end (up to four more game hours, in which no new one is counted), so a slow model's talks are measured whole.
    """
    import os  # noqa: PLC0415

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from agents.llm.fakes import FixedLatencyModel, SchemaFakeModel  # noqa: PLC0415
    from town.runtime.live import LiveSession  # noqa: PLC0415
    from town.ui.app import App  # noqa: PLC0415 - the benchmark of the window itself

    rows = []
    for latency, wait_for_model in [(latency, mode) for latency in latencies for mode in modes]:
        config = bench_config(agents, hours + DRAIN_HOURS)
        cut = bench_config(agents, hours).ticks
        model = FixedLatencyModel(TalkativeFake(SchemaFakeModel(seed=0)), latency / LIVE_COMPRESSION)
        sim = build_simulation(config, model=model)
        events: list[Any] = []
        sim.subscribe(events.append)
        session = LiveSession(sim, wait_for_model=wait_for_model, tick_rate=LIVE_AT_1X * LIVE_COMPRESSION)
        app = App(session, size=(1280, 720))

        def done(
            _app: Any, sim: Any = sim, cut: int = cut, end: int = config.ticks, events: list[Any] = events
        ) -> bool:
            counted = {e.conversation for e in events if e.type == "conversation_start" and e.tick <= cut}
            closed = {e.conversation for e in events if e.type == "conversation_end"}
            return sim.stats.ticks >= end or (sim.stats.ticks >= cut and counted <= closed)

        started = time.perf_counter()
        app.run(stop_when=done)
        wall = time.perf_counter() - started
        figures = _conversation_figures(events, cut)
        rows.append(
            {
                "latency_s_at_1x": latency,
                "wait_for_model": wait_for_model,
                **figures,
                "game_ticks": sim.stats.ticks,
                "wall_s": round(wall, 1),
                "fps": round(app.frame / wall, 1),
            }
        )
    return {
        "benchmark": "live",
        "agents": agents,
        "game_hours": hours,
        "time_compression": LIVE_COMPRESSION,
        "latencies": rows,
    }


def _conversation_figures(events: list[Any], cut: int) -> dict[str, Any]:
    counted = {e.conversation for e in events if e.type == "conversation_start" and e.tick <= cut}
    ended = [e for e in events if e.type == "conversation_end" and e.conversation in counted]
    completed = [e for e in ended if e.reason in ("said goodbye", "turn limit") and e.turns >= 2]
    rejected = [e for e in events if e.type == "input_rejected"]
    by_kind: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for event in rejected:
        kind = str(event.input.get("kind", "?"))
        by_kind[kind] = by_kind.get(kind, 0) + 1
        by_reason[f"{kind}: {event.reason}"] = by_reason.get(f"{kind}: {event.reason}", 0) + 1
    reasons: dict[str, int] = {}
    for event in ended:
        reasons[event.reason] = reasons.get(event.reason, 0) + 1
    return {
        "conversations_started": len(counted),
        "completed": len(completed),
        "completed_share": round(len(completed) / len(counted), 3) if counted else None,
        "unfinished": len(counted) - len(ended),
        "end_reasons": reasons,
        "utterances_per_conversation": round(sum(e.turns for e in ended) / len(ended), 2) if ended else None,
        "rejected_utterances": by_kind.get("say", 0),
        "rejected_inputs": by_reason,
    }
