"""`PerLoop`: an asyncio primitive (lock, semaphore, condition) made anew for each event loop that uses it.

A model, its gateway and its endpoint pool outlive one event loop: a command runs pre-flight, interviews, a judge or
an NLI pass each under its own `asyncio.run`. An asyncio primitive binds to the loop it first waits in and refuses any
other, so each owner keeps its primitives per loop (a loop that has ended holds no waiters worth keeping).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._loop: asyncio.AbstractEventLoop | None = None
        self._value: T | None = None

    def get(self) -> T:
        """The primitive for the running loop (made on its first use there)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._value is None:
            self._loop, self._value = loop, self._make()
        return self._value
