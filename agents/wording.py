"""`progressive`: plan items as what an onlooker says someone is doing.

"bake pastries and open the cafe" becomes "baking pastries and opening the cafe", so memories read "Mei Lin is baking
pastries" whatever form a model wrote — also when it wrote in the first person ("I plan the cafe", "I'll open up",
"I am baking my bread" become "planning the cafe", "opening up", "baking their bread").
"""

from __future__ import annotations

import re

# Plan items that start with a noun rather than a verb, and the verb that goes with them.
_NOUN_STARTS = {
    "breakfast": "having",
    "lunch": "having",
    "dinner": "having",
    "tea": "having",
    "coffee": "having",
    "brunch": "having",
    "supper": "having",
    "office": "holding",
    "band": "at",
    "lecture": "giving",
    "class": "in",
    "seminar": "in",
    "book": "at",
    "morning": "taking a",
    "afternoon": "taking an",
}
# Words that start a clause without being its verb: such a clause is left as it is.
_NOT_VERBS = frozenset(
    "i you he she it we they me my your his her its our their the a an this that these those some any all no "
    "to at in on with for of from by about into after before while then also still just not very".split()
)
# Linking words before a clause's verb ("and then read"): kept, and the verb after them is the one that changes.
_LINKS = frozenset("then also later afterwards".split())
# A one-word clause after the first ("bread, milk and eggs") is usually a noun of a list; these everyday activities
# are the one-word clauses that are verbs ("wake up, wash and have tea").
_ONE_WORD_ACTIVITIES = frozenset(
    "wash shower bathe dress eat drink cook clean tidy rest relax nap sleep read write study work jog run swim walk "
    "stretch exercise meditate pray shop chat talk think reflect paint draw sing play practise practice garden "
    "sketch knit bake".split()
)
_SINGLE_VOWEL_CLOSED = re.compile(r"^[^aeiou]*[aeiou][^aeiouwxy]$")
_IRREGULAR = {"be": "being", "see": "seeing", "lie": "lying", "die": "dying", "tie": "tying", "free": "freeing"}


def gerund(verb: str) -> str:
    word = verb.lower()
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ing") and len(word) > 4:
        return word
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")) and len(word) > 2:
        return word[:-1] + "ing"
    if _SINGLE_VOWEL_CLOSED.match(word):
        return word + word[-1] + "ing"  # sit -> sitting, plan -> planning, shop -> shopping
    return word + "ing"


# A first-person start ("I", "I'm", "I will", "we'll", ...) is the speaker, not the action: it goes.
_FIRST_PERSON = re.compile(
    r"^(?:i|we)(?:\s+am|\s+are|'m|'re|\s+will|'ll|\s+shall|\s+would\s+like\s+to|\s+want\s+to|\s+have\s+to)?\s+",
    re.IGNORECASE,
)
_OWN = {"my": "their", "our": "their", "myself": "themselves", "ourselves": "themselves", "me": "them", "us": "them"}


def _third_person(text: str) -> str:
    text = _FIRST_PERSON.sub("", text, count=1)
    return " ".join(_OWN.get(word.lower(), word) if word.isalpha() else word for word in text.split(" "))


def _clause(text: str, *, first_clause: bool) -> str:
    text = _third_person(text)
    words = text.split(" ", 1)
    first, rest = words[0], (words[1] if len(words) > 1 else "")
    lowered = first.lower()
    if lowered in _LINKS and rest:
        return f"{first} {_clause(rest, first_clause=first_clause)}"
    if not lowered.isalpha() or lowered in _NOT_VERBS or (lowered.endswith("ing") and len(lowered) > 4):
        return text
    if lowered in _NOUN_STARTS:
        return f"{_NOUN_STARTS[lowered]} {text}"
    if not rest and not first_clause and lowered not in _ONE_WORD_ACTIVITIES:
        return text  # a noun in a list: "buy bread and milk"
    return f"{gerund(first)} {rest}".strip()


def progressive(action: str) -> str:
    """Progressive form of each clause of a list ("a, b and c"; only the first word of a clause is touched)."""
    text = " ".join(action.split())
    if not text:
        return text
    parts = re.split(r"((?<=\S)(?:, and |, | and )(?=\S))", text)  # clauses, with the separators between them
    return "".join(part if i % 2 else _clause(part, first_clause=i == 0) for i, part in enumerate(parts))
