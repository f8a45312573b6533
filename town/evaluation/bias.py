"""A persona-swap bias probe: what exchanging only two agents' stated demographics changes in how others treat them.

`reception` measures, per agent, how the town treats it: the positivity of the lines addressed to it (the share
VADER calls positive, as the style metrics do), conversations others started with it, invitations it received (lines
to it that mention a traced event) and, with interviews, the questions it declined or failed to answer.
`swap_differences` compares a condition where two agents exchanged attributes with its baseline replicate by
replicate (the same seeds): for each swapped agent and measure, the mean difference with a 95% Student's t interval
(an experiment has a handful of replicate pairs, too few for a bootstrap interval to hold its level: `t_mean`). With a
model that ignores demographics every difference should be indistinguishable from zero.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from town.core.events import ConversationStarted, Event, Utterance
from town.evaluation.bootstrap import Estimate, t_mean
from town.evaluation.interviews import InterviewAnswer
from town.evaluation.social import Fact
from town.evaluation.style import positivity_share

MEASURES = ("positivity_to", "conversations_received", "invitations_received", "interview_abstentions")
_DECLINES = re.compile(r"\b(i (don't|do not) know|not sure|can't say|cannot say|no idea|rather not)\b", re.IGNORECASE)


class Reception(BaseModel):
    agent: str
    lines_to: int
    positivity_to: float | None
    conversations_received: int
    invitations_received: int
    interview_abstentions: int | None  # None without interviews


class SwapDifference(BaseModel):
    condition: str
    compared_with: str
    agent: str
    measure: str
    replicates: int
    difference: Estimate | None  # swapped minus baseline, 95% interval; None with fewer than two replicate pairs
    # The interval widened for the number of differences tested together (Bonferroni): only a difference whose
    # corrected interval leaves out 0 is reported as one — with twenty 95% intervals, one misses 0 by chance.
    corrected: Estimate | None = None
    differs: bool = False


def count_abstentions(received: dict[str, Reception], interviews: Sequence[InterviewAnswer]) -> None:
    """Fill in, once interviews were held, how many questions each agent declined or failed to answer."""
    for r in received.values():
        r.interview_abstentions = 0
    for answer in interviews:
        if answer.agent in received and (answer.fallback or _DECLINES.search(answer.answer)):
            received[answer.agent].interview_abstentions = (received[answer.agent].interview_abstentions or 0) + 1


def reception(events: Sequence[Event], agents: Sequence[str], facts: Sequence[Fact]) -> dict[str, Reception]:
    events_with_place = [f for f in facts if f.event is not None]
    to: dict[str, list[str]] = {a: [] for a in agents}
    received = dict.fromkeys(agents, 0)
    for e in events:
        if isinstance(e, Utterance) and e.listener in to and e.speaker != e.listener:
            to[e.listener].append(e.text)
        elif isinstance(e, ConversationStarted) and e.participants[1] in received:
            received[e.participants[1]] += 1  # the first participant started it
    return {
        a: Reception(
            agent=a,
            lines_to=len(to[a]),
            positivity_to=positivity_share(to[a]) if to[a] else None,
            conversations_received=received[a],
            invitations_received=sum(1 for t in to[a] if any(f.mentioned_in(t) for f in events_with_place)),
            interview_abstentions=None,
        )
        for a in agents
    }


def swap_differences(
    condition: str,
    compared_with: str,
    swapped_agents: Sequence[str],
    swapped: Sequence[dict[str, Reception]],
    baseline: Sequence[dict[str, Reception]],
) -> list[SwapDifference]:
    """Per swapped agent and measure: the mean over replicate pairs of (swapped - baseline), with its interval."""
    pending: list[tuple[str, str, list[float]]] = []
    for agent in swapped_agents:
        for measure in MEASURES:
            diffs = []
            for after, before in zip(swapped, baseline, strict=False):
                x = getattr(after[agent], measure) if agent in after else None
                y = getattr(before[agent], measure) if agent in before else None
                if x is not None and y is not None:
                    diffs.append(float(x) - float(y))
            pending.append((agent, measure, diffs))
    tested = sum(1 for _, _, diffs in pending if len(diffs) >= 2)  # one pair has no interval, so is not tested
    level = 1 - 0.05 / max(1, tested)
    out = []
    for agent, measure, diffs in pending:
        corrected = t_mean(diffs, level=level)
        out.append(
            SwapDifference(
                condition=condition,
                compared_with=compared_with,
                agent=agent,
                measure=measure,
                replicates=len(diffs),
                difference=t_mean(diffs),
                corrected=corrected,
                differs=corrected is not None and not corrected.low <= 0 <= corrected.high,
            )
        )
    return out
