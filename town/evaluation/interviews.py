"""Park et al.'s interview: 25 questions in 5 categories, asked of every agent in interview mode (nothing remembered).

`QUESTIONS` holds them with the town's own names filled in (their Valentine's Day party is our harvest party; Kane
Martinez, who does not exist, stays). `interview_all` asks them through the configured model on a simulation restored
from a save and returns `InterviewAnswer`s.
"""

from __future__ import annotations

from pydantic import BaseModel

from town.runtime.simulation import Simulation

CATEGORIES = ("self-knowledge", "memory", "plans", "reactions", "reflections")
QUESTIONS: dict[str, tuple[str, ...]] = {
    "self-knowledge": (
        "Give an introduction of yourself.",
        "What is your occupation?",
        "What are your interests?",
        "Who do you live with?",
        "Describe your typical weekday schedule in broad strokes.",
    ),
    "memory": (
        "Who is {other}?",
        "Who is Kane Martinez?",
        "Who is running for the election?",
        "Was there a harvest party?",
        "Who is {other2}?",
    ),
    "plans": (
        "What will you be doing at 6am today?",
        "What will you be doing at 6pm today?",
        "What will you have just finished doing at 1pm today?",
        "What will you have just finished doing at 12pm today?",
        "What will you be doing at 10pm today?",
    ),
    "reactions": (
        "Your breakfast is burning! What would you do?",
        "The bathroom is occupied. What would you do?",
        "You need to cook dinner but your refrigerator is empty. What would you do?",
        "You see your friend walking by the street. What would you do or say to your friend?",
        "You see fire on the street. What would you do?",
    ),
    "reflections": (
        "If you were to spend time with one person you met recently, who would it be and why?",
        "What inspires you in life the most right now, and why?",
        "If you had to guess given what you know about {other}, what book do you think they will like and why?",
        "If you had to get something {other} likes for their birthday, what would you get them?",
        "If you had to say something nice about {other}, what would you say?",
    ),
}


class InterviewAnswer(BaseModel):
    """One answer; `fallback` marks the stand-in of a call that failed (no answer: excluded from every rating)."""

    agent: str
    category: str
    question: str
    answer: str
    fallback: bool = False


def questions_for(agent: str, others: list[str]) -> list[tuple[str, str]]:
    """(category, question) with {other}/{other2} as the next people of the cast (someone else for a lone agent)."""
    pool = [o for o in others if o != agent] or ["a neighbour"]
    fill = {"other": pool[0], "other2": pool[1 % len(pool)]}
    return [(category, q.format(**fill)) for category in CATEGORIES for q in QUESTIONS[category]]


async def interview_all(sim: Simulation) -> list[InterviewAnswer]:
    names = [m.name for m in sim.minds]
    answers = []
    for name in names:
        for category, question in questions_for(name, names):
            said = await sim.talk_to(name, "interview", question, [])
            answers.append(
                InterviewAnswer(
                    agent=name, category=category, question=question, answer=said.reply, fallback=said.fallback
                )
            )
    return answers
