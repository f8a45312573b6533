"""Planning: the day plan at wake-up and lazy decomposition of the current block into 5-15 minute steps.

`plan_day_op` asks once for broad strokes plus an hourly schedule; `decompose_op` turns the next hour (at most) of the
current block into steps whose place is chosen from an enum of the places the agent knows. Answers are normalised
(`normalise_schedule`, `fit_steps`) and every failure falls back to the persona's routine (`routine_schedule`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from agents.effects import PlannedStep, SetDayPlan, SetSteps
from agents.events import DayPlanned, StepsPlanned
from agents.llm.structured import Answer
from agents.memory import MemoryDraft
from agents.mind_view import MindView
from agents.operations import Operation, Outcome, asking, recall
from agents.persona import Persona, minute_of_day
from agents.prompts import render
from agents.schemas import DayPlan, HourBlock

# Emoji for the action bubble, chosen from word stems of the action so the model spends no tokens on it.
_EMOJI = (
    ("sleep", "😴"),
    ("coffee", "☕"),
    ("teach", "🧑‍🏫"),
    ("tea", "🍵"),
    ("bak", "🥐"),
    ("cook", "🍳"),
    ("breakfast", "🍳"),
    ("lunch", "🥪"),
    ("dinner", "🍲"),
    ("eat", "🍽"),
    ("read", "📖"),
    ("study", "📚"),
    ("book", "📚"),
    ("paint", "🎨"),
    ("sketch", "🎨"),
    ("guitar", "🎸"),
    ("song", "🎵"),
    ("music", "🎵"),
    ("lecture", "🧑‍🏫"),
    ("garden", "🌱"),
    ("water", "🌱"),
    ("walk", "🚶"),
    ("jog", "🏃"),
    ("shop", "🛒"),
    ("buy", "🛒"),
    ("serv", "🧾"),
    ("party", "🎉"),
    ("writ", "✍"),
    ("clean", "🧹"),
    ("talk", "💬"),
    ("chat", "💬"),
    ("wake", "☀"),
    ("wash", "🚿"),
    ("work", "💼"),
)


_EMOJI_PATTERNS = tuple((re.compile(rf"\b{stem}"), emoji) for stem, emoji in _EMOJI)


def emoji_for(action: str) -> str:
    lowered = action.lower()
    return next((emoji for pattern, emoji in _EMOJI_PATTERNS if pattern.search(lowered)), "🙂")


class DayPlanFields(BaseModel):
    name: str
    identity: str
    now: str
    wake_time: str
    bed_time: str
    routine: str


class DecomposeFields(BaseModel):
    name: str
    identity: str
    now: str
    window_start: str
    window_end: str
    activity: str
    context: str
    memories: str
    places: str
    usual_place: str
    total_minutes: int


def routine_schedule(persona: Persona) -> list[tuple[int, str]]:
    """The persona's routine as (minute of the day, activity): the plan when the model gives nothing usable."""
    return [(minute_of_day(item.time), item.activity) for item in persona.routine]


def routine_place(persona: Persona, minute: int) -> str | None:
    """The routine's place label for the block that covers `minute` (None before the first item)."""
    current = None
    for item in persona.routine:
        if minute_of_day(item.time) <= minute % 1440:
            current = item.place
    return current


def normalise_schedule(
    blocks: list[HourBlock], wake_minute: int, bed_minute: int, routine: list[tuple[int, str]] | None = None
) -> list[tuple[int, str]]:
    """Sorted (minute, activity) blocks inside the waking window, one per hour; empty if nothing usable.

    Hours the plan leaves open keep the persona's routine (when given): a model that plans only the morning still
    leaves the agent a sensible afternoon, and what it did plan wins over habit.
    """
    out: dict[int, str] = {}
    planned_hours = {b.hour for b in blocks}
    for minute, activity in routine or []:
        if minute // 60 not in planned_hours:
            out[minute if minute >= wake_minute else minute + 1440] = activity
    for block in blocks:
        minute = block.hour * 60
        if minute < wake_minute:
            minute += 1440  # an hour after midnight belongs to the end of the same waking day
        if wake_minute <= minute < bed_minute and block.activity.strip():
            out.setdefault(minute, block.activity.strip())
    return sorted((m, a) for m, a in out.items() if wake_minute <= m < bed_minute)


def fit_steps(steps: list[PlannedStep], total_minutes: int) -> list[PlannedStep]:
    """Make steps cover exactly `total_minutes`, in the order planned.

    Steps past the window are cut (a remainder under five minutes joins the step before it). Steps that fall short are
    stretched over the window in proportion: repeating them, as this once did, sent a person who planned "bake, then
    serve" back and forth between kitchen and counter every ten minutes — a walk, an observation and a sighting for
    everyone around at each turn.
    """
    if not steps:
        return []
    planned = sum(step.minutes for step in steps)
    if 0 < planned < total_minutes:
        stretched, reached, done = [], 0, 0
        for step in steps:
            reached += step.minutes
            end = round(reached * total_minutes / planned)  # rounded at the running sum: the lengths add up exactly
            stretched.append(PlannedStep(end - done, step.action, step.arena, step.object))
            done = end
        return stretched
    out: list[PlannedStep] = []
    used = 0
    for step in steps:
        if used >= total_minutes:
            break
        length = min(step.minutes, total_minutes - used)
        if length < 5 and out:  # a sliver too short to be an action goes to the previous step
            last = out.pop()
            out.append(PlannedStep(last.minutes + length, last.action, last.arena, last.object))
        else:
            out.append(PlannedStep(length, step.action, step.arena, step.object))
        used += length
    return out


def _hhmm(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def plan_day_op(mind: MindView, now: int) -> Operation:
    persona = mind.persona
    fields = DayPlanFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        wake_time=persona.wake_time,
        bed_time=persona.bed_time,
        routine="\n".join(f"- {item.time} {item.activity} ({item.place})" for item in persona.routine),
    )
    wake, bed = mind.wake_minute, mind.bed_minute

    def fallback() -> DayPlan:
        return DayPlan(
            broad_strokes=[item.activity for item in persona.routine][:8],
            schedule=[HourBlock(hour=(m // 60) % 24, activity=a) for m, a in routine_schedule(persona)][:18],
        )

    def conclude(answer: Answer[DayPlan]) -> Outcome:
        schedule = normalise_schedule(answer.value.schedule, wake, bed, routine_schedule(persona))
        used_fallback = answer.fallback
        if not schedule:
            schedule = normalise_schedule(fallback().schedule, wake, bed)
            used_fallback = True
        if not schedule or schedule[0][0] > wake:
            schedule.insert(0, (wake, "get ready for the day"))
        strokes = answer.value.broad_strokes if not used_fallback else fallback().broad_strokes

        event = DayPlanned(
            agent=persona.name,
            broad_strokes=strokes,
            schedule=[(_hhmm(minute), activity) for minute, activity in schedule],
            fallback=used_fallback,
        )
        plan_memory = f"{persona.name}'s plan for today: {'; '.join(strokes)}"
        return Outcome(
            purpose="plan_day",
            events=[event],
            effects=[SetDayPlan(schedule=schedule)],
            memories=[_plan_draft(plan_memory)],
        )

    return asking("plan_day", persona.name, render("day_plan", fields, DayPlan), DayPlan, fallback, conclude)


def _plan_draft(text: str) -> MemoryDraft:
    # Plans are remembered without a scoring call: Park et al. give the day plan a fixed, moderate weight.
    return MemoryDraft(kind="plan", text=text[:600], importance=5)


def window_activities(mind: MindView, minute: int, window_end: int) -> list[str]:
    """What the schedule holds from `minute` to `window_end`, in order.

    The current block's activity, then each later block's the window reaches ("from 11:00 lunch at the cafe").
    """
    _, end, activity = mind.current_block(minute)
    parts = [activity]
    while end < window_end:  # each block ends at least 5 minutes after it is asked about, so this ends
        start, end, next_activity = mind.current_block(end)
        if next_activity != activity:
            parts.append(f"from {_hhmm(start)} {next_activity}")
        activity = next_activity
    return parts


def usual_place_line(name: str, place: str) -> str:
    return f"At this hour {name} is usually at {place}."


_USUAL_PLACE = re.compile(r"^At this hour .+? is usually at (.+)\.$", re.MULTILINE)


def usual_place_named(prompt: str) -> str | None:
    """The usual place a decomposition prompt names, if it names one (for benchmarks that read prompts)."""
    found = _USUAL_PLACE.search(prompt)
    return found.group(1) if found else None


def decompose_op(mind: MindView, now: int, start: int) -> Operation:
    """Steps for the window beginning at tick `start` (now, or when the current step ends when planning ahead)."""
    persona = mind.persona
    interrupt = start <= now
    version = mind.plan_version
    minute = mind.minute_of_day(start)
    # The window is the next `decompose_window_minutes` whatever schedule blocks it spans (each block's activity is
    # named): clipped at a block's end, a step ending at 10:55 asked for a five-minute plan, and the re-plan after
    # each conversation planned only the rest of its block, so another call followed at the block's end.
    window_end = min(minute + mind.config.decompose_window_minutes, mind.bed_minute)
    total = max(5, window_end - minute)
    activities = window_activities(mind, minute, minute + total)
    activity, planned = activities[0], ", then ".join(activities)  # the current block's; the whole window's
    # What asks for new steps now (an interruption), or else a talk fitted into the plan since the last one.
    if mind.replan_context:
        context, said = mind.replan_context, f"Just now: {mind.replan_context}"
    elif mind.talk_context:
        context, said = mind.talk_context, f"Earlier: {mind.talk_context}"
    else:
        context = said = ""
    recalled = recall(mind, f"{planned}. {context}".strip(), now)
    labels = tuple(mind.places)
    usual = routine_place(persona, minute)
    default_label = usual if usual in mind.places else mind.default_place_label
    fields = DecomposeFields(
        name=persona.name,
        identity=mind.identity,
        now=mind.now_label(now),
        window_start=_hhmm(minute),
        window_end=_hhmm(minute + total),
        activity=planned,
        context=said,
        memories=recalled.numbered(),
        places="; ".join(labels),
        # The routine's place for this hour: small models otherwise pick the first place listed (often home).
        usual_place=usual_place_line(persona.name, usual) if usual in mind.places else "",
        total_minutes=total,
    )
    schema = mind.step_schema

    def fallback() -> BaseModel:
        return schema.model_validate(
            {"steps": [{"minutes": 15, "action": activity[:80], "place": default_label, "object": ""}]}
        )

    def conclude(answer: Answer[BaseModel]) -> Outcome:
        raw: list[PlannedStep] = []
        for step in answer.value.steps:  # type: ignore[attr-defined]
            arena = mind.places[step.place]
            obj = next((name for name in arena.objects if name.lower() == step.object.strip().lower()), None)
            raw.append(PlannedStep(step.minutes, step.action.strip(), arena.address, obj))
        steps = (
            fit_steps(raw, total)
            if not answer.fallback
            else [PlannedStep(total, activity[:80], mind.places[default_label].address, None)]
        )

        effect = SetSteps(
            steps=[(s.minutes, s.action, s.arena, s.object) for s in steps],
            activity=activity,
            context=context or None,
            interrupt=interrupt,
            version=version,
        )

        event = StepsPlanned(
            agent=persona.name,
            activity=activity,
            steps=[(s.minutes, s.action, s.arena, s.object or "") for s in steps],
            context=context,
            fallback=answer.fallback,
        )
        events = [recalled.logged(persona.name, "decompose"), event]
        return Outcome(purpose="decompose", events=events, touched=recalled.ids, effects=[effect])

    return asking("decompose", persona.name, render("decompose", fields, schema), schema, fallback, conclude)
