"""Who knows whom at the start: `seed_ties`, `Ties`.

Three sources, in this order (a pair keeps the first relation it gets):
- the household: partner, child, parent, sibling, housemate (worded by gender where it is known);
- the workplace: up to `COLLEAGUES` colleagues (classmates, teachers) among those at the same place;
- a small-world network (networkx's Watts-Strogatz) over everyone in the order of where they live, so neighbours
  and friends are mostly near each other with a few far ties: each person gets about `NEIGHBOURS` of them, and a
  share `REWIRE` of the ties is rewired at random. Friends who share an interest are named by it.
The starting density (ties / possible pairs) is reported with the population.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from town.experiments.households import Household

COLLEAGUES = 3
NEIGHBOURS = 4
REWIRE = 0.1
WORDS = {  # role -> (woman, man, anyone)
    "partner": ("wife", "husband", "partner"),
    "child": ("daughter", "son", "child"),
    "parent": ("mother", "father", "parent"),
    "sibling": ("sister", "brother", "sibling"),
    "housemate": ("housemate", "housemate", "housemate"),
    "grandparent": ("grandmother", "grandfather", "grandparent"),
    "grandchild": ("granddaughter", "grandson", "grandchild"),
    "relative": ("relative", "relative", "relative"),
}
INVERSE = {"partner": "partner", "child": "parent", "parent": "child", "sibling": "sibling", "housemate": "housemate"}
# Two members (neither the head) by their roles towards the head -> what the first is to the second.
BETWEEN = {
    ("partner", "child"): "parent",
    ("child", "partner"): "child",
    ("child", "child"): "sibling",
    ("sibling", "sibling"): "sibling",
    ("parent", "child"): "grandparent",
    ("child", "parent"): "grandchild",
    ("parent", "parent"): "partner",
}


@dataclass
class Person:
    """What ties are made from: where one lives and works (or learns), gender and interests."""

    index: int
    gender: str
    workplace: str | None
    interests: list[str]
    occupation: str = ""


LEARNERS = {"pupil", "student"}


def _at_work(a: Person, b: Person, place: str) -> tuple[str, str]:
    """How two people at one place know each other: classmates, teacher and pupil, or colleagues."""
    if a.occupation in LEARNERS and b.occupation in LEARNERS:
        return f"classmate at {place}", f"classmate at {place}"
    if a.occupation in LEARNERS:
        return f"teacher at {place}" if b.occupation in {"teacher", "professor"} else f"staff at {place}", (
            f"{a.occupation} at {place}"
        )
    if b.occupation in LEARNERS:
        back = _at_work(b, a, place)
        return back[1], back[0]
    return f"colleague at {place}", f"colleague at {place}"


@dataclass
class Ties:
    relations: dict[int, dict[int, str]] = field(default_factory=dict)  # person -> other -> how they know them
    kinds: dict[str, int] = field(default_factory=dict)  # household / colleague / friend / neighbour pairs

    def add(self, a: int, b: int, a_to_b: str, b_to_a: str, kind: str) -> None:
        if a == b or b in self.relations.get(a, {}):
            return
        self.relations.setdefault(a, {})[b] = a_to_b
        self.relations.setdefault(b, {})[a] = b_to_a
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def density(self, n: int) -> float:
        return round(sum(self.kinds.values()) / (n * (n - 1) / 2), 4) if n > 1 else 0.0


def word(role: str, gender: str) -> str:
    woman, man, anyone = WORDS[role]
    return {"woman": woman, "man": man}.get(gender, anyone)


def seed_ties(people: Sequence[Person], households: Sequence[Household], seed: int) -> Ties:
    import networkx as nx  # noqa: PLC0415

    ties = Ties()
    by_index = {p.index: p for p in people}
    for home in households:
        for member, role in home.roles.items():
            # The head is the member's <role>'s inverse: a child's head is their parent.
            head_to_member = word(role, by_index[member].gender)
            member_to_head = word(INVERSE[role], by_index[home.head].gender)
            ties.add(home.head, member, head_to_member, member_to_head, "household")
        others = home.members[1:]
        for i, a in enumerate(others):  # everyone else at home: the head's children are the partner's too
            for b in others[i + 1 :]:
                ra, rb = home.roles[a], home.roles[b]
                family = "housemate" if "housemate" in (ra, rb) else "relative"
                b_is = BETWEEN.get((rb, ra), family)  # what b is to a
                a_is = BETWEEN.get((ra, rb), family)
                ties.add(a, b, word(b_is, by_index[b].gender), word(a_is, by_index[a].gender), "household")
    at_work: dict[str, list[int]] = {}
    for person in people:
        if person.workplace:
            at_work.setdefault(person.workplace, []).append(person.index)
    for place, staff in sorted(at_work.items()):
        for i, a in enumerate(staff):
            for b in staff[i + 1 : i + 1 + COLLEAGUES]:
                a_to_b, b_to_a = _at_work(by_index[a], by_index[b], place)
                ties.add(a, b, a_to_b, b_to_a, "colleague")
    order = [h.members for h in households]
    ring = [m for members in order for m in members]  # people in the order of their homes: neighbours are near
    if len(ring) > NEIGHBOURS:
        graph = nx.watts_strogatz_graph(len(ring), NEIGHBOURS, REWIRE, seed=seed)
        for u, v in sorted(graph.edges()):
            a, b = ring[u], ring[v]
            shared = sorted(set(by_index[a].interests) & set(by_index[b].interests))
            near = min(abs(u - v), len(ring) - abs(u - v)) <= NEIGHBOURS // 2
            if shared:
                ties.add(a, b, f"friend who shares {shared[0]}", f"friend who shares {shared[0]}", "friend")
            elif near:
                ties.add(a, b, "neighbour", "neighbour", "neighbour")
            else:
                ties.add(a, b, "friend", "friend", "friend")
    return ties
