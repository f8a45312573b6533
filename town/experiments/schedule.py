"""Interventions and surveys at game times during a run: `Schedule` and the surveys' `SurveyTable`.

The schedule turns each item's time into a tick and, after that tick of the run, applies it to the simulation in file
order — the same ticks in every replicate and on every executor, so interventions never cost determinism.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agents.persona import load_persona
from town.core.clock import GameClock
from town.core.errors import ConfigError
from town.experiments.config import (
    AddAgentAt,
    BroadcastAt,
    Intervention,
    RemoveAgentAt,
    SeedFactAt,
    SetObjectAt,
    SurveySpec,
    WhisperAt,
)
from town.runtime.simulation import Simulation


def tick_at(clock: GameClock, at: str) -> int:
    """HH:MM on the first day (the next such time at or after the start), or +H hours after the start."""
    if at.startswith("+"):
        return clock.ticks_for(hours=float(at[1:]))
    when = datetime.strptime(at, "%H:%M")
    moment = clock.start.replace(hour=when.hour, minute=when.minute, second=0, microsecond=0)
    if moment < clock.start:
        moment += timedelta(days=1)
    return clock.tick_of(moment)


def check_schedule(
    clock: GameClock,
    interventions: list[Intervention],
    surveys: list[SurveySpec],
    names: list[str],
    objects: set[str],
    where: str,
) -> None:
    """Walk the schedule in game-time order before any run starts, as the runs will meet it.

    Every agent, object and persona it names must exist when it is used (people added and removed on the way
    included); otherwise one `ConfigError` line says which does not.
    """
    present = set(names)
    asked: dict[str, str] = {}  # question id -> kind, of the surveys met so far
    timeline = sorted(
        ((tick_at(clock, item.at), order, item) for order, item in enumerate([*interventions, *surveys])),
        key=lambda entry: (entry[0], entry[1]),
    )
    for _, _, item in timeline:
        label = f"{where}: {getattr(item, 'kind', 'survey')} at {item.at}"
        wanted: list[str] = []
        if isinstance(item, (WhisperAt, SurveySpec)) and item.agents != "all":
            wanted = list(item.agents)
        elif isinstance(item, (SeedFactAt, RemoveAgentAt)):
            wanted = [item.agent]
        missing = [n for n in wanted if n not in present]
        if missing:
            raise ConfigError(f"{label}: {', '.join(missing)} is not in town then (people: {_some(present)})")
        if isinstance(item, SurveySpec):
            for question in item.questions:
                earlier = asked.get(question.retest_of or "")
                if question.retest_of and earlier is None:
                    raise ConfigError(f"{label}: {question.id} retests {question.retest_of}, not asked before it")
                if question.retest_of and earlier != question.kind:
                    raise ConfigError(f"{label}: {question.id} retests a {earlier} question as {question.kind}")
            asked.update({q.id: q.kind for q in item.questions})
        if isinstance(item, SetObjectAt) and item.object not in objects:
            raise ConfigError(f"{label}: no object {item.object!r} on this map")
        if isinstance(item, RemoveAgentAt):
            present.discard(item.agent)
        if isinstance(item, AddAgentAt):
            persona = load_persona(item.persona)
            if persona.name in present:
                raise ConfigError(f"{label}: {persona.name} already lives in town")
            present.add(persona.name)


def _some(present: set[str]) -> str:
    names = sorted(present)
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "") if names else "nobody"


class SurveyTable:
    """Every answer as a row: run, condition, replicate, survey, question, agent, tick, kind, answer, fallback."""

    COLUMNS = ("condition", "replicate", "survey", "question", "agent", "tick", "kind", "answer", "fallback")

    def __init__(self, condition: str, replicate: int) -> None:
        self.condition = condition
        self.replicate = replicate
        self.rows: list[dict[str, Any]] = []

    def write(self, folder: Path) -> list[Path]:
        """surveys.csv (pandas.read_csv) and surveys.jsonl (typed answers kept as JSON values)."""
        csv_path, jsonl_path = folder / "surveys.csv", folder / "surveys.jsonl"
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        jsonl_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.rows), encoding="utf-8")
        return [csv_path, jsonl_path]


class Schedule:
    def __init__(
        self,
        clock: GameClock,
        interventions: list[Intervention],
        surveys: list[SurveySpec],
        table: SurveyTable,
    ) -> None:
        self.table = table
        self._due: dict[int, list[Intervention | SurveySpec]] = {}
        for item in [*interventions, *surveys]:
            self._due.setdefault(tick_at(clock, item.at), []).append(item)
        self._personas = {str(i.persona): load_persona(i.persona) for i in interventions if isinstance(i, AddAgentAt)}

    @property
    def ticks(self) -> list[int]:
        return sorted(self._due)

    async def apply(self, sim: Simulation) -> None:
        """Everything due at the simulation's current tick (called between ticks)."""
        for item in self._due.get(sim.tick, []):
            if isinstance(item, SurveySpec):
                await self._survey(sim, item)
            else:
                self._intervene(sim, item)

    def _names(self, sim: Simulation, wanted: list[str] | str) -> list[str]:
        present = [m.name for m in sim.minds if not m.lanes.departed]
        if wanted == "all":
            return present
        missing = [n for n in wanted if n not in present]
        if missing:
            raise ConfigError(f"experiment: {', '.join(missing)} not in town at tick {sim.tick}")
        return list(wanted)

    def _intervene(self, sim: Simulation, item: Intervention) -> None:
        if isinstance(item, WhisperAt):
            for name in self._names(sim, item.agents):
                sim.whisper(name, item.text)
        elif isinstance(item, BroadcastAt):
            sim.broadcast(item.text)
        elif isinstance(item, SeedFactAt):
            self._names(sim, [item.agent])
            sim.seed_fact(item.agent, item.fact, item.text, item.keywords)
        elif isinstance(item, SetObjectAt):
            refused = sim.set_object(item.object, item.state)
            if refused:
                raise ConfigError(f"experiment: set_object at {item.at}: {refused}")
        elif isinstance(item, AddAgentAt):
            sim.add_agent(self._personas[str(item.persona)])
        elif isinstance(item, RemoveAgentAt):
            self._names(sim, [item.agent])
            sim.remove_agent(item.agent)

    async def _survey(self, sim: Simulation, spec: SurveySpec) -> None:
        for name in self._names(sim, spec.agents):
            for question in spec.questions:
                answer = await sim.survey(name, spec.id, question)
                self.table.rows.append(
                    {
                        "condition": self.table.condition,
                        "replicate": self.table.replicate,
                        "survey": spec.id,
                        "question": question.id,
                        "agent": name,
                        "tick": sim.tick,
                        "kind": question.kind,
                        "answer": answer.answer,
                        "fallback": answer.fallback,
                    }
                )
