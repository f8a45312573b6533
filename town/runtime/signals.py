"""`StopSignals`: SIGINT, SIGTERM and SIGHUP end a running town the same orderly way, and say which one it was.

Inside the event loop a signal cancels the run's task, so its `finally` closes the log with a `run_end` event and
writes the summary whichever signal arrived (a terminal closing, `kill`, a scheduler's time limit or Ctrl-C).
"""

from __future__ import annotations

import asyncio
import signal
from types import TracebackType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopSignals:
    """While entered (in a running loop), the stop signals cancel `task`; `received` names the first one."""

    def __init__(self, task: asyncio.Task[object] | None = None) -> None:
        self.task = task
        self.received: str | None = None
        self._installed: list[tuple[signal.Signals, object]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def __enter__(self) -> StopSignals:
        self._loop = asyncio.get_running_loop()
        if self.task is None:
            self.task = asyncio.current_task()
        for sig in STOP_SIGNALS:
            previous = signal.getsignal(sig)
            try:
                self._loop.add_signal_handler(sig, self._stop, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread (a Ray worker), or no signals here: the process default stays
            self._installed.append((sig, previous))
        return self

    def _stop(self, sig: signal.Signals) -> None:
        if self.received is None:
            self.received = sig.name
            if self.task is not None:
                self.task.cancel()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._loop is not None
        for sig, previous in self._installed:
            self._loop.remove_signal_handler(sig)
            if previous is not None:
                signal.signal(sig, previous)  # type: ignore[arg-type]
        self._installed.clear()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def install_process_handlers() -> None:
    """Outside an event loop, SIGTERM and SIGHUP interrupt like Ctrl-C (an orderly one-line exit, not a silent kill)."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, _raise_interrupt)
        except (ValueError, OSError):
            continue
