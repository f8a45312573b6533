"""Rebuilding what happened from a trajectory log, without any model: `Replay`, `open_replay`.

`Replay` indexes the events once (ticks, per-agent memories, plans, conversations, retrievals) and keeps a keyframe of
the visible world every `KEYFRAME_MINUTES` of game time, so the state at any tick is a keyframe plus at most a
keyframe's worth of events: scrubbing costs the same at the start and the end of a long day. It answers with the app's
own `Snapshot` and `InspectorView`, so one renderer draws a live town and a replayed one, and with text lines for
`town replay --text` (worded by town/runtime/event_text.py, as the feed is).
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from agents.persona import Persona, minute_of_day
from town.core.clock import GameClock
from town.core.errors import TownError
from town.core.events import event_class
from town.core.places import TownMap, load_town_map
from town.persistence.run_source import find_source
from town.runtime.event_text import FEED_TYPES, TEXT_TYPES, event_line, feed_line
from town.runtime.snapshot import (
    FEED_LENGTH,
    SPEECH_MINUTES,
    AgentView,
    InspectorView,
    MemoryLine,
    Snapshot,
    inspector_view,
)

KEYFRAME_MINUTES = 10  # of game time: seeking applies at most this much of the log's events to a keyframe
MARKER_KINDS = {"conversation_start": "conversation", "reflection": "reflection", "whisper": "intervention"}
MARKER_KINDS.update(visitor="intervention", directed="intervention", agent_added="intervention")


@dataclass
class _Visible:
    """What the town shows at one moment: positions, actions, sleep, talk, speech bubbles, facing."""

    tiles: dict[str, tuple[int, int]] = field(default_factory=dict)
    actions: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # description, emoji, place address
    asleep: dict[str, bool] = field(default_factory=dict)
    talking: dict[str, str | None] = field(default_factory=dict)
    speech: dict[str, tuple[str, int]] = field(default_factory=dict)
    facing: dict[str, tuple[int, int]] = field(default_factory=dict)
    moved_at: dict[str, int] = field(default_factory=dict)

    def copy(self) -> _Visible:
        return _Visible(*(dict(getattr(self, f)) for f in self.__dataclass_fields__))

    def apply(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "spawn":
            self.tiles[event["agent"]] = tuple(event["tile"])  # type: ignore[assignment]
        elif kind == "moves":
            for name, tile in event["positions"].items():
                old = self.tiles.get(name, tuple(tile))
                self.tiles[name] = (tile[0], tile[1])
                if old != self.tiles[name]:
                    self.facing[name] = (tile[0] - old[0], tile[1] - old[1])
                    self.moved_at[name] = event["tick"]
        elif kind == "action":
            self.actions[event["agent"]] = (event["description"], event.get("emoji", ""), event["place"])
        elif kind == "sleep":
            self.asleep[event["agent"]] = event["asleep"]
        elif kind == "conversation_start":
            a, b = event["participants"]
            self.talking[a], self.talking[b] = b, a
        elif kind == "conversation_end":
            for name in event["participants"]:
                self.talking[name] = None
        elif kind == "utterance":
            self.speech[event["speaker"]] = (event["text"], event["tick"])


@dataclass(frozen=True)
class Marker:
    tick: int
    kind: str  # conversation | reflection | intervention
    label: str
    agents: tuple[str, ...] = ()  # who it is about: a conversation's two participants, the agent who reflected
    conversation: int | None = None


class Replay:
    def __init__(self, events: list[dict[str, Any]], town_map: TownMap, personas: list[Persona] | None = None) -> None:
        if not events or events[0].get("type") != "run_start":
            raise TownError("replay: the log does not begin with run_start; is this a town trajectory?")
        start = events[0]
        self.map = town_map
        self.clock = GameClock(start=datetime.fromisoformat(start["start_time"]), tick_seconds=start["tick_seconds"])
        self.recency_decay = _logged_decay(start.get("config") or {})
        self.agents: list[str] = list(start["agents"])
        self.events = events
        self.ticks = [e["tick"] for e in events]
        self.last_tick = self.ticks[-1]
        self.ended = events[-1]["type"] == "run_end"
        self.summaries = {p.name: p.summary() for p in personas or []}
        self.wake_minutes = {p.name: minute_of_day(p.wake_time) for p in personas or []}
        names = {p.id: p.name for p in personas or []}
        self.relations = {
            p.name: {names.get(r.person, r.person): r.relation for r in p.relationships} for p in personas or []
        }
        self.markers: list[Marker] = []
        self._feed: list[tuple[int, str]] = []
        self._usage: list[tuple[int, int, int, int]] = []  # tick, calls, tokens, fallbacks (cumulative)
        self._per_agent: dict[str, dict[str, list[int]]] = {name: {} for name in self.agents}
        self._memory_text: dict[tuple[str, int], tuple[str, int, int]] = {}  # (agent, id) -> text, importance, tick
        self._keyframes: list[_Visible] = []
        self._keyframe_ticks = max(1, self.clock.ticks_for(minutes=KEYFRAME_MINUTES))
        self._speech_ticks = self.clock.ticks_for(minutes=SPEECH_MINUTES)
        self._index()

    # -- building ----------------------------------------------------------------------------------------------------
    def _index(self) -> None:
        self._transcripts: dict[int, list[str]] = {}
        visible = _Visible()
        calls = tokens = fallbacks = 0
        next_key = 0
        for position, event in enumerate(self.events):
            tick = event["tick"]
            while tick >= next_key * self._keyframe_ticks:  # keyframe k: everything before tick k * keyframe ticks
                self._keyframes.append(visible.copy())
                next_key += 1
            visible.apply(event)
            kind = event["type"]
            agent = event.get("agent")
            if kind == "spawn" and agent not in self._per_agent:  # someone who moved in mid-run
                self.agents.append(agent)
                self._per_agent[agent] = {}
            if kind in FEED_TYPES:
                line = feed_line(event_class(kind).model_validate(event), self.clock.time_at(tick).strftime("%H:%M"))
                if line:
                    self._feed.append((tick, line))
            if kind in MARKER_KINDS:
                people = tuple(event.get("participants", ())) or ((agent,) if agent else ())
                who = agent or " and ".join(people)
                label = f"{kind.replace('_', ' ')}: {who}"
                self.markers.append(Marker(tick, MARKER_KINDS[kind], label, people, event.get("conversation")))
            if kind == "utterance":
                self._transcripts.setdefault(event["conversation"], []).append(f"{event['speaker']}: {event['text']}")
            if kind == "llm_call":
                calls += event["outcome"] in ("ok", "invalid")
                tokens += event.get("prompt_tokens", 0) + event.get("completion_tokens", 0)
                fallbacks += bool(event.get("fallback"))
                self._usage.append((tick, calls, tokens, fallbacks))
            if kind == "memory":
                self._memory_text[(agent, event["memory"])] = (event["text"], event["importance"], tick)
            if kind == "memory_scored":
                for memory_id, score in zip(event["memories"], event["scores"], strict=False):
                    text, _, made = self._memory_text.get((agent, memory_id), ("", 0, tick))
                    self._memory_text[(agent, memory_id)] = (text, score, made)
            owners = list(event.get("participants", [])) if kind.startswith("conversation") else []
            if kind == "utterance":
                owners = [event["speaker"], event["listener"]]
            for owner in owners or ([agent] if agent in self._per_agent else []):
                self._per_agent[owner].setdefault(kind, []).append(position)
        self._usage_ticks = [u[0] for u in self._usage]
        self._feed_ticks = [f[0] for f in self._feed]

    # -- the world at a tick -----------------------------------------------------------------------------------------
    def _visible_at(self, tick: int) -> _Visible:
        key = min(max(0, tick + 1) // self._keyframe_ticks, len(self._keyframes) - 1)
        visible = self._keyframes[key].copy()
        first = bisect.bisect_left(self.ticks, key * self._keyframe_ticks)
        last = bisect.bisect_right(self.ticks, tick)
        for event in self.events[first:last]:
            visible.apply(event)
        return visible

    def snapshot(self, tick: int, *, paused: bool = True, speed: str = "1x", inspected: str | None = None) -> Snapshot:
        tick = max(0, min(tick, self.last_tick))
        visible = self._visible_at(tick)
        views = []
        for name in self.agents:
            if name not in visible.tiles:
                continue
            description, emoji, place = visible.actions.get(name, ("idle", "", ""))
            arena = self.map.arenas.get(place)
            said = visible.speech.get(name)
            asleep = visible.asleep.get(name, False)
            views.append(
                AgentView(
                    name=name,
                    tile=visible.tiles[name],
                    facing=visible.facing.get(name, (0, 1)),
                    moving=visible.moved_at.get(name) == tick,
                    action="sleeping" if asleep else description,
                    emoji=emoji,
                    place=arena.label if arena else self.map.world,
                    asleep=asleep,
                    talking_to=visible.talking.get(name),
                    speech=said[0] if said and tick - said[1] <= self._speech_ticks else None,
                )
            )
        used = bisect.bisect_right(self._usage_ticks, tick)
        _, calls, tokens, fallbacks = self._usage[used - 1] if used else (0, 0, 0, 0)
        feed_end = bisect.bisect_right(self._feed_ticks, tick)
        return Snapshot(
            tick=tick,
            time=self.clock.time_at(tick),
            agents=tuple(views),
            calls=calls,
            tokens=tokens,
            cost=0.0,
            fallbacks=fallbacks,
            feed=tuple(line for _, line in self._feed[max(0, feed_end - FEED_LENGTH) : feed_end]),
            paused=paused,
            speed=speed,
            inspected=self.inspect(inspected, tick) if inspected else None,
            notice=f"replay {self.clock.time_at(tick):%a %H:%M} of {self.clock.time_at(self.last_tick):%a %H:%M}",
        )

    def _latest(self, name: str, kind: str, tick: int, count: int = 1) -> list[dict[str, Any]]:
        positions = self._per_agent.get(name, {}).get(kind, [])
        end = bisect.bisect_right(positions, bisect.bisect_right(self.ticks, tick) - 1)
        return [self.events[i] for i in positions[max(0, end - count) : end]]

    def inspect(self, name: str, tick: int) -> InspectorView | None:
        """The agent at `tick` as the log tells it: plan, steps, what it last retrieved, its talks and its chat."""
        if name not in self._per_agent:
            return None
        visible = self._visible_at(tick)
        description, _, place = visible.actions.get(name, ("idle", "", ""))
        arena = self.map.arenas.get(place)
        plan = self._latest(name, "day_plan", tick)
        wake = self.wake_minutes.get(name, 0)
        schedule = [(_waking_minute(hhmm, wake), activity) for hhmm, activity in plan[0]["schedule"]] if plan else []
        now = self.clock.time_at(tick)
        steps = self._latest(name, "steps", tick)
        retrieval = self._latest(name, "retrieval", tick)
        memories: list[MemoryLine] = []
        title = "Memories  (recency · importance 1-10 · relevance)"
        if retrieval:
            used_at = retrieval[0]["tick"]
            title = f"Recalled at {self.clock.time_at(used_at):%H:%M} for {retrieval[0]['purpose']}"
            for memory_id in retrieval[0]["memories"][:5]:
                text, importance, made = self._memory_text.get((name, memory_id), ("", 0, used_at))
                hours = self.clock.hours_between(made, used_at)
                recency = self.recency_decay**hours
                memories.append(MemoryLine(text, recency, float(importance), float("nan"), float("nan")))
        talks = Counter(
            e["participants"][1] if e["participants"][0] == name else e["participants"][0]
            for e in self._latest(name, "conversation_start", tick, count=10_000)
        )
        relations = self.relations.get(name, {})
        relationships = [
            (other, f"{relations.get(other, 'talked')} · {n} talk{'s' if n > 1 else ''} so far")
            for other, n in talks.most_common(5)
        ]
        lines = self._latest(name, "utterance", tick, count=8)
        return inspector_view(
            name=name,
            summary=self.summaries.get(name, ""),
            action="sleeping" if visible.asleep.get(name) else description,
            place=arena.label if arena else self.map.world,
            schedule=schedule,
            minute=_waking_minute(f"{now:%H:%M}", wake),
            steps=[(m, action) for m, action, *_ in (steps[0]["steps"] if steps else [])],
            memories=memories,
            relationships=relationships,
            chat=[(e["speaker"], e["text"]) for e in lines],
            memories_title=title,
        )

    # -- navigation --------------------------------------------------------------------------------------------------
    def transcript(self, conversation: int) -> list[str]:
        """Every line of one conversation, in order ("speaker: text")."""
        return list(self._transcripts.get(conversation, []))

    def next_marker(self, tick: int, kind: str | None = None, *, backwards: bool = False) -> Marker | None:
        chosen = [m for m in self.markers if kind is None or m.kind == kind]
        if backwards:
            return next((m for m in reversed(chosen) if m.tick < tick), None)
        return next((m for m in chosen if m.tick > tick), None)

    # -- text --------------------------------------------------------------------------------------------------------
    def _place_label(self, address: str) -> str:
        arena = self.map.arenas.get(address)
        return arena.label if arena else address

    def text_lines(self, *, agent: str | None = None, start: int = 0, end: int | None = None) -> list[str]:
        """A readable timeline: actions, conversations with their lines, plans, reflections and interventions."""
        end = self.last_tick if end is None else end
        out: list[str] = []
        for event in self.events[bisect.bisect_left(self.ticks, start) : bisect.bisect_right(self.ticks, end)]:
            if event["type"] not in TEXT_TYPES:
                continue
            line = event_line(event_class(event["type"]).model_validate(event), self._place_label)
            if line is None:
                continue
            involved = {event.get("agent"), event.get("speaker"), event.get("listener"), *event.get("participants", [])}
            if agent is not None and agent not in involved:
                continue
            out.append(f"{self.clock.time_at(event['tick']):%a %H:%M:%S}  {line}")
        return out


def _waking_minute(hhmm: str, wake: int) -> int:
    """Minutes since midnight of the waking day: hours after midnight and before waking count past 1440."""
    minute = minute_of_day(hhmm)
    return minute if minute >= wake else minute + 1440


# -- opening -----------------------------------------------------------------------------------------------------------
def _logged_decay(config: dict[str, Any]) -> float:
    """The run's own recency decay per game hour (its logged cognition settings), else retrieval's default."""
    from agents.retrieval import RetrievalWeights  # noqa: PLC0415

    logged = ((config.get("cognition") or {}).get("retrieval") or {}).get("decay")
    try:
        return RetrievalWeights(decay=logged).decay if logged is not None else RetrievalWeights().decay
    except ValueError:
        return RetrievalWeights().decay  # an unreadable figure in an old log: the inspector shows the default's view


def open_replay(path: str | Path) -> Replay:
    source = find_source(path)
    if not source.map_path.is_file():
        raise TownError(f"replay {path}: the run's map {source.map_path} is not there any more")
    return Replay(source.events(), load_town_map(source.map_path), source.personas)
