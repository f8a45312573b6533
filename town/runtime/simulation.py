"""`Simulation`: the engine, the agents' minds and their in-flight LLM operations, advanced tick by tick.

Per tick (headless, deterministic):
1. `Engine.step()` — inputs, movement, conversations, perception;
2. every mind observes, in agent order;
3. triggers, in agent order: immediate inputs and memories are applied at once; operations start as asyncio tasks,
   due when their thinking time has passed (game time; the body carries on meanwhile);
4. operations due before the next tick are awaited and their outcomes applied in (agent, lane, start) order.
Model calls overlap across agents and ticks (bounded by the gateway's semaphore), but what the world sees depends only
on game time and answers, never on which call returned first. In live mode (the app) step 4 applies only what has
already been answered, so a slow model delays decisions, never the world.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from agents.config import CognitionConfig
from agents.embedding import Embedder
from agents.events import (
    AgentAdded,
    AgentRemoved,
    Broadcast,
    Directed,
    FactSeeded,
    LLMCall,
    MemoryAdded,
    StepsPlanned,
    SurveyAnswered,
    VisitorExchange,
    Whispered,
)
from agents.importance import PendingMemory
from agents.lanes import ACT, MEMORY, PLAN
from agents.llm.structured import CallRecord, StructuredLLM
from agents.memory import MemoryDraft, MemoryStream, embed_pending
from agents.mind import Mind
from agents.operations import Launch, Outcome
from agents.persona import Persona
from agents.survey import SurveyQuestion, survey_op
from agents.vector_index import VectorIndex
from agents.visitor import VisitorMode, visitor_op, whisper_draft
from town.core.clock import GameClock
from town.core.engine import Engine, EngineConfig
from town.core.events import Event, EventBus, RunEnded, RunStarted
from town.core.inputs import EndConversation, StartAction, StartConversation
from town.core.places import TownMap
from town.core.rng import RngTree
from town.runtime.approaches import Approaches
from town.runtime.collector import collector_paused
from town.runtime.flights import InFlight, drop_flights
from town.runtime.news import hand_out_news
from town.runtime.stats import RunStats

_LANE_ORDER = {ACT: 0, PLAN: 1, MEMORY: 2}
VISITOR_LANE = "visitor"
SURVEY_LANE = "survey"


class Simulation:
    """Owns one town in motion: engine and world, minds, operations in flight, RNG streams, totals and the event bus.

    The minds are kept in agent order, the order every result is applied in. The model gateway, embedder and map are
    collaborators it is given. Outside the tick it takes the interventions of experiments and the app (talk, whisper,
    direct, survey, broadcast, arrivals and departures), each applied between ticks and logged.
    """

    def __init__(
        self,
        *,
        town_map: TownMap,
        personas: list[Persona],
        llm: StructuredLLM,
        embedder: Embedder,
        index_factory: Callable[[int], VectorIndex],
        clock: GameClock,
        seed: int,
        model_name: str,
        engine_config: EngineConfig | None = None,
        cognition: CognitionConfig | None = None,
        run_config: dict | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> None:
        self.map = town_map
        self.clock = clock
        self.bus = EventBus()
        self.stats = RunStats()
        self.bus.subscribe(self.stats)
        self.engine = Engine(town_map, clock, self.bus, engine_config)
        self.llm = llm
        self.rng = RngTree(seed)
        self.cognition = cognition or CognitionConfig()
        self._index: dict[str, int] = {p.name: i for i, p in enumerate(personas)}
        # Live mode (the app): outcomes land once answered, not at a fixed tick: never blocks, not reproducible.
        self.live = False
        self._on_call = on_call
        self.inflight: list[InFlight] = []
        self.cancelled_at_end = 0  # set by finish(): operations whose outcome never landed
        # Live mode: talks decided while the partner walked on; the initiator follows them.
        self.approaches = Approaches(self.engine, self.bus, clock.ticks_for(minutes=1))
        self.started = False
        self._seed = seed
        self._model_name = model_name
        self._run_config = run_config or {}
        self._names_by_id = {p.id: p.name for p in personas}
        if len(self._names_by_id) != len(personas) or len({p.name for p in personas}) != len(personas):
            raise ValueError("persona ids and names must be unique")
        self._embedder = embedder
        self._index_factory = index_factory
        self.minds: list[Mind] = [self._make_mind(p) for p in personas]

    def _make_mind(self, persona: Persona) -> Mind:
        index = self._index_factory(self._embedder.dim)
        memory = MemoryStream(self._embedder, index, self.clock, recall="memory" not in self.cognition.ablate)
        return Mind(persona, memory, self.map, self.clock, self.cognition, self._names_by_id)

    @property
    def tick(self) -> int:
        return self.engine.world.tick

    def subscribe(self, observer: Callable[[Event], None]) -> None:
        self.bus.subscribe(observer)

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.bus.emit(
            RunStarted(
                seed=self._seed,
                model=self._model_name,
                map=self.map.world,
                start_time=self.clock.start.isoformat(),
                tick_seconds=self.clock.tick_seconds,
                agents=[m.name for m in self.minds],
                config=self._run_config,
            )
        )
        for mind in self.minds:
            self._spawn(mind)

    def _spawn(self, mind: Mind) -> None:
        persona = mind.persona
        tile = self.map.spawns.get(persona.id)
        if tile is None or any(b.tile == tile for b in self.engine.world.bodies.values()):
            tiles = mind.home_arena.tiles
            tile = tiles[int(self.rng.child("spawn").integers(len(tiles)))]
        self.engine.spawn(mind.name, tile, home=persona.home)

    async def run(self, ticks: int, on_tick: Callable[[Simulation], None] | None = None) -> None:
        self.start()
        for _ in range(ticks):
            await self.step()
            if on_tick is not None:
                on_tick(self)

    def finish(self, reason: str = "completed", detail: str | None = None) -> RunEnded:
        """Cancel what is still thinking and emit the closing event with the run's totals."""
        self.cancelled_at_end = drop_flights(self.inflight, self._on_call)
        self.inflight.clear()
        return self.bus.emit(RunEnded(ticks=self.stats.ticks, reason=reason, detail=detail, totals=self.stats.totals()))  # type: ignore[return-value]

    # -- talking to agents from outside -------------------------------------------------------------------------------
    def outside_text(self, text: str) -> str:
        """Text from outside the town, cut to `cognition.outside_text_max_chars` (marked with an ellipsis if cut)."""
        cap = self.cognition.outside_text_max_chars
        return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"

    async def talk_to(self, name: str, mode: VisitorMode, said: str, history: list[tuple[str, str]]) -> VisitorExchange:
        """Ask an agent as a visitor or an interviewer, at once; the exchange says if the reply is a fallback."""
        mind = self.minds[self._index[name]]
        arena = self.map.arena_at(self.engine.world.bodies[name].tile)
        place = arena.label if arena else self.map.world
        said = self.outside_text(said)
        history = [(who, self.outside_text(text)) for who, text in history]
        outcome = await visitor_op(mind, mode, said, history, self.tick, place)(self.llm)
        self._apply(mind, VISITOR_LANE, outcome, self.tick)
        return next(e for e in outcome.events if isinstance(e, VisitorExchange))

    def whisper(self, name: str, thought: str) -> None:
        """Plant an inner thought; it enters the agent's memory with the next tick's new memories."""
        mind = self.minds[self._index[name]]
        thought = self.outside_text(thought)
        mind.note(whisper_draft(mind, thought))
        self.bus.emit(Whispered(agent=name, thought=thought))

    def direct(self, name: str, arena_address: str, minutes: int = 15) -> str | None:
        """Send an agent to a place (an intervention); the reason it cannot go, or None."""
        mind = self.minds[self._index[name]]
        body = self.engine.world.bodies.get(name)
        arena = self.map.arenas.get(arena_address)
        if mind.lanes.departed or body is None:
            return f"{name} has left town"
        if arena is None:
            return "that is not a place in town"
        if mind.lanes.asleep or body.asleep:
            return f"{name} is asleep"
        if body.conversation is not None:
            return f"{name} is in a conversation"
        self.engine.submit(mind.directed(self.tick, arena, minutes))
        self.bus.emit(Directed(agent=name, place=arena.label))
        return None

    async def survey(self, name: str, survey: str, question: SurveyQuestion) -> SurveyAnswered:
        """Ask one agent one survey question now (interview mode unless the question says remember)."""
        mind = self.minds[self._index[name]]
        outcome = await survey_op(mind, survey, question, self.tick)(self.llm)
        self._apply(mind, SURVEY_LANE, outcome, self.tick)
        return next(e for e in outcome.events if isinstance(e, SurveyAnswered))

    def broadcast(self, text: str) -> None:
        """A town-wide event: everyone awake notices it with the next tick's new memories."""
        text = self.outside_text(text)
        self.bus.emit(Broadcast(text=text))
        for mind in self.minds:
            if not mind.lanes.asleep and mind.name in self.engine.world.bodies:
                mind.note(PendingMemory(kind="observation", text=text))

    def seed_fact(self, name: str, fact: str, text: str, keywords: list[str]) -> None:
        """Give one agent news to spread: it arrives as its own thought, and the log marks it as the fact's origin."""
        mind = self.minds[self._index[name]]
        text = self.outside_text(text)
        mind.note(whisper_draft(mind, text))
        self.bus.emit(FactSeeded(agent=name, fact=fact, text=text, keywords=keywords))

    def set_object(self, address: str, state: str) -> str | None:
        """Change an object's state (a broken stove, a closed gate); the reason it cannot, or None."""
        if address not in self.map.objects:
            return f"no object {address} in this town"
        self.engine.set_object_state(address, state)
        return None

    def remove_agent(self, name: str) -> None:
        """Someone leaves town: the body is gone from the world, the mind stops thinking (its log stays)."""
        mind = self.minds[self._index[name]]
        if mind.lanes.departed:
            return
        body = self.engine.world.bodies.get(name)
        if body is not None and body.conversation is not None:
            conv = self.engine.world.conversations.get(body.conversation)
            if conv is not None and not conv.ended:
                self.engine.submit(EndConversation(conversation=conv.id, reason=f"{name} left town"))
                self.engine.step_inputs()
        mind.leave_town()
        self.engine.remove(name)
        self.bus.emit(AgentRemoved(agent=name))

    def add_agent(self, persona: Persona) -> None:
        """A new person moves in mid-run: a fresh mind, spawned at home, planning its day from the next tick."""
        if persona.id in self._names_by_id or persona.name in self._index:
            raise ValueError(f"{persona.name} ({persona.id}) already lives here")
        self.start()
        self._names_by_id[persona.id] = persona.name
        mind = self._make_mind(persona)
        self.minds.append(mind)
        self._index[persona.name] = len(self.minds) - 1
        self._spawn(mind)
        self.bus.emit(AgentAdded(agent=persona.name, persona=persona.id))

    # -- one tick --------------------------------------------------------------------------------------------------
    async def step(self) -> None:
        self.start()
        if self.live:
            self.engine.hold_conversations(self.thinking_agents())
            self.approaches.follow_up(self.tick)
        with collector_paused():  # the tick's synchronous part: no awaits inside
            result = self.engine.step()
            now = result.tick
            world = self.engine.world
            self.stats.ticks += 1
            with self.bus.at(now):  # the world has moved to the next tick; what minds do now belongs to this one
                hand_out_news(self.minds, result, world)
                for index, mind in enumerate(self.minds):
                    if mind.lanes.departed:
                        continue
                    if not mind.lanes.asleep:
                        self.stats.awake_agent_ticks += 1
                    inputs, launch = mind.next_action(now, world)
                    for item in inputs:
                        if mind.name in self.approaches and isinstance(item, StartAction) and not item.asleep:
                            continue  # on the way to someone to talk to: the next errand waits (the talk re-plans)
                        self.engine.submit(item)
                    self._launch(launch, index, ACT, now)
                    self._launch(mind.next_plan(now, world), index, PLAN, now)
                    drafts, launch = mind.next_memory(now)
                    self._remember(mind, drafts, now)
                    self._launch(launch, index, MEMORY, now)
                embed_pending([m.memory for m in self.minds], self._embedder)  # the tick's new memories in one batch
        await asyncio.sleep(0)  # let new operations reach their first model call
        await self._settle(now + 1)

    def thinking_agents(self) -> set[str]:
        """Agents whose action lane is deciding something (a line, a reaction, a plan), answered yet or not."""
        return {self.minds[f.agent_index].name for f in self.inflight if f.lane == ACT}

    def waiting_on_model(self) -> set[str]:
        """Agents whose next action waits for a model answer that has not come yet (the app's thinking icon)."""
        return {self.minds[f.agent_index].name for f in self.inflight if f.lane == ACT and not f.ready}

    def overdue(self) -> list[InFlight]:
        """Operations whose game time to land has come but whose answer has not (live mode delays them)."""
        return [f for f in self.inflight if f.due <= self.tick + 1 and not f.ready]

    def drop_unanswered(self) -> int:
        """Forget the operations still waiting for a model (cancelled), as if they had not started.

        Their lanes are free again and the decisions are taken anew later (a live town closing without waiting for a
        slow model).
        """
        dropped = [f for f in self.inflight if not f.ready]
        for flight in dropped:
            if flight.task is not None:
                flight.task.cancel()
            self.minds[flight.agent_index].release(flight.lane)
        self.inflight = [f for f in self.inflight if f.ready]
        return len(dropped)

    async def wait_for_flights(self) -> None:
        """Wait until every operation in flight has its answer; nothing is applied before its due tick."""
        pending = [f.task for f in self.inflight if f.task is not None and not f.task.done()]
        if pending:
            await asyncio.gather(*pending)

    def _launch(self, launch: Launch | None, index: int, lane: str, now: int) -> None:
        if launch is None:
            return
        self.minds[index].occupy(lane)
        task = asyncio.ensure_future(launch.op(self.llm))
        self.inflight.append(InFlight(index, lane, now, launch.due, task))

    async def _settle(self, next_tick: int) -> None:
        due = [f for f in self.inflight if f.due <= next_tick]
        if self.live:
            # The app never waits on a model: what is not answered yet lands on a later tick, while bodies carry on.
            due = [f for f in due if f.ready]
        if not due:
            return
        waiting = [f.task for f in due if not f.ready]
        if waiting:
            await asyncio.gather(*waiting)  # type: ignore[misc]
        # A failed operation (a bug, never a provider failure) stops the run here; every failure among the due ones is
        # retrieved first, so none surfaces later as "exception was never retrieved" from the garbage collector.
        failures = [e for e in (f.task.exception() for f in due if f.task and not f.task.cancelled()) if e is not None]
        if failures:
            raise failures[0]
        chosen = {id(f) for f in due}
        self.inflight = [f for f in self.inflight if id(f) not in chosen]
        for flight in sorted(due, key=lambda f: (f.agent_index, _LANE_ORDER[f.lane], f.started)):
            mind = self.minds[flight.agent_index]
            if not mind.lanes.departed:  # what someone who left town was still thinking lands nowhere
                self._apply(mind, flight.lane, flight.outcome(), next_tick)
        embed_pending([m.memory for m in self.minds], self._embedder)  # what the outcomes remembered, in one batch

    def _apply(self, mind: Mind, lane: str, outcome: Outcome, tick: int) -> None:
        mind.release(lane)
        for record in outcome.calls:
            self.bus.emit(
                LLMCall(
                    agent=record.agent,
                    purpose=record.purpose,
                    outcome=record.outcome,
                    prompt_tokens=record.prompt_tokens,
                    completion_tokens=record.completion_tokens,
                    repaired=record.repaired,
                    fallback=record.fallback,
                    error=record.error,
                )
            )
            if self._on_call is not None:
                self._on_call(record)
        mind.memory.touch(outcome.touched, tick)
        self._remember(mind, outcome.memories, tick)
        refused = [effect for effect in outcome.effects if not mind.apply(effect, tick)]
        for event in outcome.events:
            if refused and isinstance(event, StepsPlanned):
                event.adopted = False  # planned ahead for a step that a re-plan replaced: the log says it went unused
            self.bus.emit(event)
        for item in outcome.inputs:
            # A slow answer that came after the partner walked on: the initiator goes after them.
            if not (self.live and isinstance(item, StartConversation) and self.approaches.takes(item, tick)):
                self.engine.submit(item)

    def _remember(self, mind: Mind, drafts: list[MemoryDraft], tick: int) -> None:
        for record in mind.memory.add_many(drafts, tick):
            self.bus.emit(
                MemoryAdded(
                    agent=mind.name,
                    memory=record.id,
                    kind=record.kind,
                    text=record.text,
                    importance=record.importance,
                    evidence=record.evidence,
                    sources=record.sources,
                    subject=record.subject,
                    told_by=record.told_by,
                    scored=record.scored,
                )
            )
