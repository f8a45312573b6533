"""`LiveSession`: a simulation running in a worker thread for the app, steered by typed `Command`s.

The worker owns its own asyncio loop and the simulation (in live mode: no tick ever waits for a model). After every
tick it publishes a fresh `Snapshot` by swapping one reference, which is atomic, so the UI thread reads snapshots
without locks. Commands (pause, speed, step, stop) arrive through a thread-safe queue.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agents.persona import Persona
from town.core.errors import TownError
from town.core.events import RunEnded
from town.core.places import TownMap
from town.runtime.simulation import Simulation
from town.runtime.snapshot import Snapshot, SnapshotBuilder

# Ticks per real second at each speed; "max" runs as fast as the machine allows. At 1x a game minute takes 0.6 s.
SPEEDS: dict[str, float | None] = {"1x": 10.0, "2x": 20.0, "4x": 40.0, "8x": 80.0, "max": None}
# How long closing waits for calls in progress before dropping them: quitting stays within about two seconds.
CLOSE_GRACE_S = 1.0


class Command(BaseModel):
    """One request from the UI to the simulation thread."""

    model_config = ConfigDict(frozen=True)
    kind: Literal[
        "pause",
        "resume",
        "toggle_pause",
        "step",
        "speed",
        "stop",
        "inspect",
        "say",
        "whisper",
        "save",
        "seek",
        "jump",
        "fork",
        "direct",
        "add_agent",
        "wait_for_model",
    ]
    speed: str = "1x"
    tick: int = 0  # seek (replay)
    place: str = ""  # direct: the arena address to send the agent to
    marker: str = ""  # jump (replay): conversation | reflection | intervention, or "" for any
    backwards: bool = False
    agent: str | None = None
    mode: Literal["visitor", "interview"] = "visitor"
    text: str = ""
    on: bool | None = None  # wait_for_model: set it (True/False) or toggle it (None)


Saver = Callable[[Simulation], Awaitable[Path]]


class LiveSession:
    """The app's simulation thread.

    With a `saver`, the town is saved on the "save" command, every `autosave_ticks` ticks, and when the window
    closes if `save_on_close` (the app autosaves rather than asking), always between ticks on this thread.
    """

    def __init__(
        self,
        sim: Simulation,
        *,
        max_ticks: int | None = None,
        on_tick: Callable[[Simulation], None] | None = None,
        saver: Saver | None = None,
        autosave_ticks: int = 0,
        save_on_close: bool = False,
        cast: list[Persona] | None = None,
        wait_for_model: bool = False,
        on_stop: Callable[[], None] | None = None,
        tick_rate: float | None = None,
    ):
        self.sim = sim
        self._on_stop = on_stop  # cuts short model work in progress (the embedded model) so quitting is quick
        self.tick_rate = tick_rate  # ticks per second instead of the speed's (benchmarks that compress time)
        self._saver = saver
        self.autosave_ticks = autosave_ticks
        self.save_on_close = save_on_close
        self.cast = list(cast or [])  # who may move in ("add_agent"), in order
        self._save_requested = False
        self.notice = ""
        self.last_save: Path | None = None
        sim.live = True
        self.max_ticks = max_ticks
        self._on_tick = on_tick
        self._builder = SnapshotBuilder(sim)
        self._commands: queue.Queue[Command] = queue.Queue()
        self.paused = False
        self.speed = "1x"
        # "Wait for the model": the clock does not pass an answer that is due, so a slow model slows the town down
        # instead of letting the world outrun its decisions (game time then runs below the chosen speed).
        self.wait_for_model = wait_for_model
        self.held = False
        self._steps_requested = 0
        self.inspected: str | None = None
        self._chats: dict[str, list[tuple[str, str]]] = {}
        self._waiting: set[str] = set()
        self._talks: set[asyncio.Task[None]] = set()
        self._stop = threading.Event()
        self._stop_reason: tuple[str, str | None] = ("window closed", None)
        self.error: BaseException | None = None
        self._told_gone = False  # the town paused once when the model was given up
        self.ended: RunEnded | None = None  # the closing event, once the town has stopped
        sim.start()
        self.snapshot: Snapshot = self._builder.build()
        self._thread = threading.Thread(target=self._run, name="town-simulation", daemon=True)

    @property
    def map(self) -> TownMap:
        return self.sim.map

    def start(self) -> None:
        self._thread.start()

    def send(self, command: Command) -> None:
        self._commands.put(command)

    def stop(self, timeout: float = 10.0, *, reason: str = "window closed", detail: str | None = None) -> None:
        """Stop the town; its run_end names `reason` (and `detail`: the signal of an interruption, say)."""
        if not self._stop.is_set():
            self._stop_reason = (reason, detail)
        self._stop.set()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        try:
            asyncio.run(self._loop())
        except BaseException as exc:  # surfaced to the UI thread, which shows it and closes
            self.error = exc

    async def _loop(self) -> None:
        reason, detail = "window closed", None
        try:
            await self._ticks()
            if self.save_on_close:
                dropped = await self._close_flights()
                note = f" ({dropped} unanswered call(s) dropped; asked again after a resume)" if dropped else ""
                await self._save(f"saved on close{note}")
        except BaseException as exc:
            reason, detail = f"crashed: {type(exc).__name__}", str(exc)[:300]
            raise
        else:
            reason, detail = self._stop_reason
            if self.sim.llm.unavailable is not None and reason == "window closed":
                reason, detail = "provider_unavailable", self.sim.llm.unavailable  # what truly ended the town's life
        finally:
            for task in list(self._talks):
                task.cancel()
            self.ended = self.sim.finish(reason, detail)  # the log always ends with run_end, whatever stopped the town
            if self._on_stop is not None:
                self._on_stop()  # what the cancelled calls still run in threads stops too, so the loop can close

    async def _ticks(self) -> None:
        next_due = time.perf_counter()
        while not self._stop.is_set():
            if self._drain_commands():
                self._publish()  # a pause or a new speed shows at once, not after the next tick
            if self._save_requested:
                self._save_requested = False
                await self._save("saved")
            if self.max_ticks is not None and self.sim.stats.ticks >= self.max_ticks:
                self.paused = True
            if self.sim.llm.unavailable is not None and not self._told_gone:
                self._told_gone = self.paused = True  # stop on the spot; the player may go on, on routines
            if self.paused and self._steps_requested == 0:
                self._publish()
                await asyncio.sleep(0.02)
                continue
            self.held = self.wait_for_model and bool(self.sim.overdue())
            if self.held:
                self._publish()
                await asyncio.sleep(0.02)
                continue
            rate = self.tick_rate or SPEEDS[self.speed]
            if rate is not None and not self._steps_requested:
                delay = next_due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_due = max(next_due + 1.0 / rate, time.perf_counter() - 0.5)
            await self.sim.step()
            self._steps_requested = max(0, self._steps_requested - 1)
            if self._on_tick is not None:
                self._on_tick(self.sim)
            if self.autosave_ticks and self.sim.tick % self.autosave_ticks == 0:
                await self._save("autosaved")
            self._publish()
            if rate is None:
                await asyncio.sleep(0)  # let model calls progress even at full speed

    async def _close_flights(self, grace_s: float = CLOSE_GRACE_S) -> int:
        """Give the calls in progress a moment to land; the rest are dropped, to be asked again after a resume."""
        pending = [f.task for f in self.sim.inflight if f.task is not None and not f.task.done()]
        if pending:
            await asyncio.wait(pending, timeout=grace_s)
        return self.sim.drop_unanswered()

    def _add_agent(self) -> None:
        present = {m.persona.id for m in self.sim.minds}
        newcomer = next((p for p in self.cast if p.id not in present), None)
        if newcomer is None:
            self.notice = "nobody else is waiting to move in"
            return
        self.sim.add_agent(newcomer)
        self.notice = f"{newcomer.name} moves into town"

    async def _save(self, verb: str) -> None:
        if self._saver is None:
            return
        try:
            self.last_save = await self._saver(self.sim)
        except TownError as exc:  # a full disk must not take the town down; the last good save stays in place
            self.notice = f"save failed: {exc}"
        else:
            self.notice = f"{verb} to {self.last_save} at {self.sim.clock.time_at(self.sim.tick):%H:%M}"
        self._publish()

    def _publish(self) -> None:
        name = self.inspected
        view = self._builder.inspect(name, self._chats.get(name, []), name in self._waiting) if name else None
        self.snapshot = self._builder.build(
            paused=self.paused,
            speed=self.speed,
            inspected=view,
            notice=self.notice,
            held=self.held,
            wait_for_model=self.wait_for_model,
        )

    async def _talk(self, name: str, mode: Literal["visitor", "interview"], text: str) -> None:
        log = self._chats.setdefault(name, [])
        speaker = "You" if mode == "visitor" else "Interviewer"
        history = [(("Visitor" if who == "You" else who), said) for who, said in log if who in (speaker, name)]
        log.append((speaker, text))
        self._waiting.add(name)
        try:
            reply = (await self.sim.talk_to(name, mode, text, history)).reply
        finally:
            self._waiting.discard(name)
        log.append((name, reply))
        self._builder.said(name, reply, self.sim.tick)
        self._publish()

    def _drain_commands(self) -> int:
        drained = 0
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return drained
            drained += 1
            if command.kind == "pause":
                self.paused = True
            elif command.kind == "resume":
                self.paused = False
            elif command.kind == "toggle_pause":
                self.paused = not self.paused
            elif command.kind == "step":
                self.paused = True
                self._steps_requested += 1
            elif command.kind == "speed" and command.speed in SPEEDS:
                self.speed = command.speed
            elif command.kind == "wait_for_model":
                self.wait_for_model = (not self.wait_for_model) if command.on is None else command.on
            elif command.kind == "direct" and command.agent:
                refused = self.sim.direct(command.agent, command.place)
                self.notice = refused or ""
            elif command.kind == "add_agent":
                self._add_agent()
            elif command.kind == "save":
                self._save_requested = True
            elif command.kind == "stop":
                self._stop.set()
            elif command.kind == "inspect":
                self.inspected = command.agent
            elif command.kind == "whisper" and command.agent and command.text.strip():
                self.sim.whisper(command.agent, command.text)
                self._chats.setdefault(command.agent, []).append(("(whisper)", command.text))
            elif command.kind == "say" and command.agent and command.text.strip():
                task = asyncio.ensure_future(self._talk(command.agent, command.mode, command.text.strip()))
                self._talks.add(task)
                task.add_done_callback(self._talks.discard)
