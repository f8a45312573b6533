"""`town play`: the window onto a live town, and `LiveTown`, a live session with its log, cache and saves."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from town.commands.options import EXIT_INTERRUPTED, config_from_args, resume_config, window_size


def play_command(args: argparse.Namespace) -> int:
    from town.runtime.builders import load_world  # noqa: PLC0415

    size = window_size(args.size)
    resume = None
    world = None
    if args.resume is not None:
        config, resume = resume_config(args, "play")
    else:
        config = config_from_args(args, "play")
        world = load_world(config)
    from town.ui.app import App, check_display  # noqa: PLC0415 - the only import of pygame, only for this command

    check_display("town play")
    print(f"town play: starting the town on {config.model} (a local model loads with its first call)", file=sys.stderr)
    live = LiveTown(
        config,
        resume=resume,
        world=world,
        max_ticks=config.ticks if args.hours is not None else None,
        wait_for_model=args.wait_for_model,
    )
    ending: tuple[str, str | None] = ("window closed", None)
    try:
        App(live.session, size=size).run()
    except KeyboardInterrupt as exc:
        ending = ("interrupted", str(exc.args[0]) if exc.args else "SIGINT")
        print(f"interrupted: the town's log is closed in {config.out}/trajectory.jsonl", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        live.close(*ending)
    live.report()
    return 0


class LiveTown:
    """A live session with its log, cache and saves, started fresh or from a save (`town play`, a fork in replay)."""

    def __init__(
        self,
        config: Any,
        *,
        resume: Any = None,
        world: Any = None,
        max_ticks: int | None = None,
        wait_for_model: bool = False,
    ) -> None:
        from town.persistence.run_folders import check_run_folders, open_run_folders  # noqa: PLC0415
        from town.persistence.runner import call_recorder  # noqa: PLC0415
        from town.persistence.save_writer import SaveWriter  # noqa: PLC0415
        from town.persistence.saving import save_simulation, simulation_from_save  # noqa: PLC0415
        from town.persistence.trajectory import TelemetryWriter, TrajectoryWriter  # noqa: PLC0415
        from town.runtime.builders import build_model, build_simulation  # noqa: PLC0415
        from town.runtime.live import LiveSession  # noqa: PLC0415
        from town.runtime.model_chain import cancel_models, find_cache  # noqa: PLC0415

        self.config = config
        check_run_folders(config, resume)
        self.model = build_model(config)
        self.folders = open_run_folders(config, command="play", resume=resume)
        self.telemetry = TelemetryWriter(config.out / "telemetry.jsonl")
        on_call = call_recorder(self.telemetry)
        if resume is not None:
            sim = simulation_from_save(config, resume, model=self.model, on_call=on_call)
        else:
            sim = build_simulation(config, model=self.model, world=world, on_call=on_call)
        self.started = time.perf_counter()
        self.trajectory = TrajectoryWriter(config.out / "trajectory.jsonl", append=resume is not None)
        sim.subscribe(self.trajectory)
        cache = find_cache(self.model)
        trajectory = self.trajectory
        writer = SaveWriter()  # the window's saves after the first append to it

        async def save(s: Any) -> Path:
            trajectory.flush()
            return await save_simulation(
                s, config, config.save_path, trajectory=trajectory.path, cache=cache, writer=writer
            )

        self.session = LiveSession(
            sim,
            max_ticks=max_ticks,
            on_tick=lambda s: (trajectory.flush(), self.telemetry.flush()),
            saver=save,
            autosave_ticks=config.autosave_ticks,
            save_on_close=config.autosave_ticks > 0,
            cast=_cast(config, len(sim.minds)),
            wait_for_model=wait_for_model,
            on_stop=cancel_models,
        )

    def close(self, reason: str = "window closed", detail: str | None = None) -> None:
        """Stop the town, close its log and telemetry, and write summary.json as `town run` does."""
        from town.persistence.runner import summarise, write_summary  # noqa: PLC0415
        from town.runtime.model_chain import close_models  # noqa: PLC0415

        try:
            self.session.stop(reason=reason, detail=detail)
            self.trajectory.close()
            self.telemetry.close()
            close_models(self.model)
            ended = self.session.ended
            if ended is not None:
                wall = time.perf_counter() - self.started
                files = [self.trajectory.path, self.telemetry.path]
                result = summarise(self.config, self.session.sim, ended.totals, ended.reason, wall, self.model, files)
                result.summary["detail"] = ended.detail
                result.summary["last_save"] = str(self.session.last_save) if self.session.last_save else None
                write_summary(self.config.out, result)
        finally:
            self.folders.release()

    def report(self) -> None:
        print(f"the town's log is in {self.config.out}/trajectory.jsonl", file=sys.stderr)
        saved = self.session.last_save
        if saved is not None:
            print(f"the town is saved in {saved}; continue with: town play --resume {saved}", file=sys.stderr)


def _cast(config: Any, present: int) -> list[Any]:
    """People who may move in from the app: the persona folder's cast, then numbered newcomers."""
    from town.core.errors import PersonaError  # noqa: PLC0415
    from town.runtime.builders import roster  # noqa: PLC0415

    try:
        from agents.persona import load_personas  # noqa: PLC0415

        return roster(load_personas(config.personas), present + 25)
    except PersonaError:
        return []
