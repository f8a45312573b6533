"""`ReplaySession`: plays a `Replay` back for the app — play/pause, 1x-32x, step, seek, jump to markers, fork here.

It answers to the same `Command`s and exposes the same `snapshot` as the live session, so the app's town view works
unchanged on a replay. Nothing runs in the background except a fork, which re-simulates on a worker thread and then
hands the app a live session to continue in (`successor`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from town.core.errors import TownError
from town.core.places import TownMap
from town.persistence.replay import Marker, Replay
from town.runtime.live import Command
from town.runtime.snapshot import Snapshot

# Ticks per real second at each replay speed (1x is the live app's 1x: a game minute in 0.6 s).
REPLAY_SPEEDS = {"1x": 10.0, "2x": 20.0, "4x": 40.0, "8x": 80.0, "16x": 160.0, "32x": 320.0}
_LIVE_MAX = "max"  # the live app's fastest key stands for 16x here

Forker = Callable[[int], Any]  # tick -> a started-able live session (runs on a worker thread)


class ReplaySession:
    def __init__(self, replay: Replay, *, fork: Forker | None = None) -> None:
        self.replay = replay
        self.tick = 0
        self.paused = False
        self.speed = "1x"
        self.inspected: str | None = None
        self.error: BaseException | None = None
        self.notice = ""
        # The last jump, for the view to act on once: centre on its agents, select one, show the transcript.
        self.focus: Marker | None = None
        self.transcript: list[str] = []
        self.successor: Any = None
        self._fork = fork
        self._forking: threading.Thread | None = None
        self._carry = 0.0
        self._cached: tuple[tuple[Any, ...], Snapshot] | None = None

    @property
    def map(self) -> TownMap:
        return self.replay.map

    @property
    def running(self) -> bool:
        return self._forking is not None and self._forking.is_alive()

    def start(self) -> None:
        return None

    def stop(self, timeout: float = 10.0) -> None:
        if self._forking is not None:
            self._forking.join(timeout)

    @property
    def snapshot(self) -> Snapshot:
        key = (self.tick, self.inspected, self.paused, self.speed, self.notice)
        if self._cached is None or self._cached[0] != key:
            snap = self.replay.snapshot(self.tick, paused=self.paused, speed=self.speed, inspected=self.inspected)
            if self.notice:
                snap = Snapshot(**{**snap.__dict__, "notice": self.notice})
            self._cached = (key, snap)
        return self._cached[1]

    def advance(self, dt: float) -> None:
        """Move the playhead by `dt` real seconds at the current speed; stops (paused) at the end of the log."""
        if self.paused:
            return
        self._carry += dt * REPLAY_SPEEDS[self.speed]
        whole = int(self._carry)
        self._carry -= whole
        if whole:
            self.seek(self.tick + whole)
            if self.tick >= self.replay.last_tick:
                self.paused = True

    def seek(self, tick: int) -> None:
        self.tick = max(0, min(int(tick), self.replay.last_tick))

    def send(self, command: Command) -> None:
        kind = command.kind
        if kind == "toggle_pause":
            if self.paused and self.tick >= self.replay.last_tick:
                self.tick = 0  # play again from the start
            self.paused = not self.paused
        elif kind in ("pause", "resume"):
            self.paused = kind == "pause"
        elif kind == "step":
            self.paused = True
            self.seek(self.tick + 1)
        elif kind == "speed":
            speed = "16x" if command.speed == _LIVE_MAX else command.speed
            if speed in REPLAY_SPEEDS:
                self.speed = speed
        elif kind == "inspect":
            self.inspected = command.agent
        elif kind == "seek":
            self.seek(command.tick)
            self.notice, self.transcript = "", []  # scrubbing away: the jump's note and transcript no longer apply
        elif kind == "jump":
            marker = self.replay.next_marker(self.tick, command.marker or None, backwards=command.backwards)
            if marker is not None:
                self.paused = True  # a jump is for looking at what happened there
                self.seek(marker.tick)
                self.notice = f"{self.replay.clock.time_at(marker.tick):%H:%M} {marker.label}"
                self.focus = marker
                self.transcript = self.replay.transcript(marker.conversation) if marker.conversation is not None else []
                if marker.agents:
                    self.inspected = marker.agents[0]
        elif kind == "fork":
            self._start_fork()
        elif kind in ("say", "whisper", "save"):
            self.notice = "this is a replay: press K to fork here and continue live, then talk, whisper or save"

    def _start_fork(self) -> None:
        if self._fork is None or self.running or self.successor is not None:
            return
        tick = self.tick
        self.paused = True
        self.notice = f"forking at {self.replay.clock.time_at(tick):%H:%M}: re-simulating from the cache…"

        def work() -> None:
            try:
                self.successor = self._fork(tick)  # type: ignore[misc]
            except TownError as exc:
                self.notice = f"fork failed: {exc}"
            except BaseException as exc:  # a bug: surfaced to the app, which shows it and closes
                self.error = exc

        self._forking = threading.Thread(target=work, name="town-fork", daemon=True)
        self._forking.start()
