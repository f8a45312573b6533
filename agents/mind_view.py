"""`MindView`: what an operation may read of an agent's mind when it is built — never write.

Operation factories (planning, reaction, dialogue, importance, reflection, surveys, visitors) type against this
protocol, not the concrete `Mind`, so they cannot reach into its state and the mind's module can import them without a
cycle. What an operation wants to change comes back as data (`Outcome.effects`) that the mind applies itself.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from agents.config import CognitionConfig
from agents.memory import MemoryStream
from agents.persona import Persona
from town.core.places import Arena


class MindView(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def persona(self) -> Persona: ...
    @property
    def identity(self) -> str: ...  # the persona's summary, as prompts show it
    @property
    def config(self) -> CognitionConfig: ...
    @property
    def memory(self) -> MemoryStream: ...  # read through retrieve/recent; touched by the outcome, not the operation
    @property
    def places(self) -> dict[str, Arena]: ...  # label -> arena the agent may choose in plans
    @property
    def step_schema(self) -> type[BaseModel]: ...  # the answer model of a decomposition, its places those above
    @property
    def default_place_label(self) -> str: ...
    @property
    def wake_minute(self) -> int: ...
    @property
    def bed_minute(self) -> int: ...
    @property
    def current_action_text(self) -> str: ...
    @property
    def replan_context(self) -> str | None: ...
    @property
    def talk_context(self) -> str | None: ...  # a talk fitted into the plan since the last decomposition
    @property
    def plan_version(self) -> int: ...

    def now_label(self, tick: int) -> str: ...
    def minute_of_day(self, tick: int) -> int: ...
    def current_block(self, minute: int) -> tuple[int, int, str]: ...
    def relation_to(self, name: str) -> str: ...
    def place_label(self, address: str) -> str: ...
