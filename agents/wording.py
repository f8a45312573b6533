"""`progressive`: plan items as what an onlooker says someone is doing.

"bake pastries and open the cafe" becomes "baking pastries and opening the cafe", so memories read "Mei Lin is baking
pastries" whatever form a model wrote — also when it wrote in the first person ("I plan the cafe", "I'll open up",
"I am baking my bread" become "planning the cafe", "opening up", "baking their bread"), and in the third person
under the actor's own name ("Mei Lin enters the cafe", "Mei is baking" become "entering the cafe", "baking") or with
the name left out ("bakes pastries and opens the cafe" becomes "baking pastries and opening the cafe").
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


def _clause(text: str, *, first_clause: bool, third_person: bool = False) -> str:
    text = _third_person(text)
    words = text.split(" ", 1)
    first, rest = words[0], (words[1] if len(words) > 1 else "")
    if third_person and first.isalpha():
        first = _base_form(first)
    lowered = first.lower()
    if lowered in _LINKS and rest:
        return f"{first} {_clause(rest, first_clause=first_clause, third_person=third_person)}"
    if not lowered.isalpha() or lowered in _NOT_VERBS or (lowered.endswith("ing") and len(lowered) > 4):
        return text
    if not third_person and not first_clause and _looks_third_person(lowered):
        return text  # "buy milk and biscuits for the kids": the item's verbs are plain, so this is a noun
    if first[0].isupper() and rest[:1].isupper():
        return text  # a name ("Mei Lin asks ...", "David Lin's dog ..."), not a verb
    if lowered in _NOUN_STARTS:
        return f"{_NOUN_STARTS[lowered]} {text}"
    if not rest and not first_clause and lowered not in _ONE_WORD_ACTIVITIES:
        return text  # a noun in a list: "buy bread and milk"
    return f"{gerund(first)} {rest}".strip()


_THIRD_PERSON_ES = ("ches", "shes", "sses", "xes", "zes", "oes")
_THIRD_PERSON_IRREGULAR = {"is": "be", "was": "be", "has": "have"}


def _base_form(verb: str) -> str:
    """The verb a third-person form comes from: asks -> ask, studies -> study, finishes -> finish, goes -> go."""
    word = verb.lower()
    if word in _THIRD_PERSON_IRREGULAR:
        return _THIRD_PERSON_IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(_THIRD_PERSON_ES):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def _looks_third_person(word: str) -> bool:
    """Whether a clause's first word reads as a verb's "-s" form ("bakes", "goes", "has"), not a plain verb."""
    word = word.lower()
    if word in _THIRD_PERSON_IRREGULAR:
        return True
    return (
        len(word) > 3
        and word.isalpha()
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ous"))
        and word not in _NOT_VERBS
        and word not in _NOUN_STARTS
    )


# "Mei's plan for today is to ...", "Mei Lin's aim is to ...": what follows "to" is the action.
_OWN_PLAN = re.compile(
    r"^'s\s+(?:plan|aim|goal|intention)s?(?:\s+for\s+(?:today|the\s+day|this\s+\w+))?\s+is\s+to\s+", re.I
)


def _actor_names(actor: str) -> tuple[str, ...]:
    """How a text may name the actor: the full name, then the first name alone."""
    return tuple(dict.fromkeys((actor, actor.split(maxsplit=1)[0])))


def _without_own_plan(text: str, actor: str) -> str:
    """`text` less a leading "Mei's plan for today is to" (what follows is a plain verb); else `text` as it is."""
    for name in _actor_names(actor):
        own_plan = _OWN_PLAN.match(text[len(name) :]) if text.lower().startswith(name.lower()) else None
        if own_plan:
            return text[len(name) + own_plan.end() :]
    return text


def _without_actor(text: str, actor: str) -> str | None:
    """`text` less a leading mention of the actor ("Mei Lin enters ..." -> "enters ..."); None if it has none."""
    for name in _actor_names(actor):
        if text.lower().startswith(name.lower() + " "):
            rest = text[len(name) + 1 :]
            verb = rest.split(" ", 1)[0]
            if verb.isalpha() and verb.lower() not in _NOT_VERBS:
                return rest
    return None


def progressive(action: str, actor: str = "") -> str:
    """Progressive form of each clause of a list ("a, b and c"; only the first word of a clause is touched)."""
    text = " ".join(action.split())
    unnamed = None
    if actor:
        text = _without_own_plan(text, actor)
        unnamed = _without_actor(text, actor)
    text = unnamed if unnamed is not None else text
    if not text:
        return text
    first, _, rest = text.partition(" ")
    # "Mei Lin enters ... and goes ...", or a model's "bakes pastries and opens the cafe" with the name left out: the
    # item is written in the third person, so every clause's verb is an "-s" form to take back to the plain verb.
    third_person = unnamed is not None or _looks_third_person(first)
    if first.lower() in ("is", "was") and rest:
        text = rest  # "is baking bread": what is being done follows
    parts = re.split(r"((?<=\S)(?:, and |, | and )(?=\S))", text)  # clauses, with the separators between them
    return "".join(
        part if i % 2 else _clause(part, first_clause=i == 0, third_person=third_person) for i, part in enumerate(parts)
    )
