"""Reading Generative Agents' free text.

Times ('7amam', 'midnight', '17:30pm', 'early in the morning'), place names as GA writes them ('the Willow Market and
Pharmacy'), sentences and clauses turned into routine activities.

Pure functions; town.mapping.ga_personas uses them to derive what GA's scratch files do not state.
"""

from __future__ import annotations

import re

EAT_WORDS = re.compile(r"\b(eat|eats|dinner|lunch|breakfast)\b", re.I)
PERIODS = {
    "early in the morning": 8 * 60,
    "in the morning": 9 * 60,
    "in the afternoon": 14 * 60,
    "in the evening": 19 * 60,
    "at night": 20 * 60,
}
TIME = re.compile(r"\b(midnight|noon)\b|\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?:am|pm)*\b", re.I)
TIME_PHRASE = re.compile(
    r"\s*\b(?:at|around|starting|from|until|till|to|by|after)?\s*(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)+|midnight|noon)"
    r"(?:\s*(?:to|-|until)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)+)?\b",
    re.I,
)


def parse_clock(text: str) -> int | None:
    """Minutes after midnight of GA's time words ('11pm', 'midnight', '7amam', '17:30pm'); None if none."""
    match = TIME.search(text)
    return clock_minutes(match) if match else None


def clock_minutes(match: re.Match[str]) -> int | None:
    if match.group(1):
        return 0 if match.group(1).lower() == "midnight" else 12 * 60
    hour, minute = int(match.group(2)), int(match.group(3) or 0)
    suffix = (match.group(4) or "").lower().replace(".", "")
    if hour > 23 or minute > 59:
        return None
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    return hour * 60 + minute


def times_in(text: str) -> list[tuple[int, int]]:
    """(position, minute) of every clock time in a text; bare numbers without am/pm count only after a time word."""
    found = []
    for match in TIME.finditer(text):
        if not match.group(1) and not match.group(4):
            before = text[max(0, match.start() - 12) : match.start()].lower()
            if not re.search(r"\b(at|around|starting|from|until|till|to)\s*$", before) or match.group(3) is None:
                continue
        minute = clock_minutes(match)
        if minute is not None:
            found.append((match.start(), minute))
    for phrase, minute in PERIODS.items():
        at = text.lower().find(phrase)
        if at >= 0 and not any(abs(at - p) < len(phrase) for p, _ in found):
            found.append((at, minute))
    return sorted(found)


def hhmm(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


def words_of(text: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w != "the"]
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words]


def mentions(text: str, names: list[str]) -> list[tuple[int, str]]:
    """(word position, name) of each place name in a text, matched word by word ignoring case, 'the' and plurals.

    GA writes 'the Willow Market and Pharmacy' for the sector 'The Willows Market and Pharmacy'.
    """
    words = words_of(text)
    found = []
    for name in names:
        key = words_of(name)
        if not key:
            continue
        for i in range(len(words) - len(key) + 1):
            if words[i : i + len(key)] == key:
                found.append((i, name))
                break
    return sorted(found)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def sentence_around(text: str, at: int) -> str:
    start = max(text.rfind(".", 0, at) + 1, 0)
    end = text.find(".", at)
    return text[start : end if end >= 0 else len(text)].strip()


def activity_from(clause: str, people: dict[str, str]) -> str:
    """A daily_plan_req clause as an activity: times cut, the subject dropped ('opens Hobbs Cafe')."""
    cleaned = TIME_PHRASE.sub("", clause)
    for phrase in PERIODS:
        cleaned = re.sub(rf"\b{phrase}\b", "", cleaned, flags=re.I)
    cleaned = cleaned.strip(" ,.;")
    for name in sorted(people, key=len, reverse=True):  # "Isabella Rodriguez opens ..." / "Carmen opens ..."
        for form in (name, name.split()[0]):
            if cleaned.startswith(form + " "):
                cleaned = cleaned[len(form) :]
                break
    cleaned = re.sub(r"^\s*(?:and then|and|then|at which point|he|she|they)\b[\s,]*", "", cleaned.strip(), flags=re.I)
    cleaned = re.sub(r"^\s*(?:he|she|they)\b\s*", "", cleaned, flags=re.I)
    return re.sub(r"\s+", " ", cleaned).strip(" ,.;")


def closes_at(sentence: str, position: int) -> bool:
    """Whether the time at `position` ends something ('until 8pm', 'closes it at 6pm', 'to 2pm')."""
    before = sentence[max(0, position - 20) : position].lower()
    return bool(re.search(r"\b(until|till|to|closes?|ends?)\b[^,;]*$", before))


def char_of_word(text: str, word_index: int) -> int:
    """Character offset of the n-th word as `_words` counts them (skipping 'the')."""
    count = 0
    for match in re.finditer(r"[A-Za-z0-9]+", text):
        if match.group(0).lower() == "the":
            continue
        if count == word_index:
            return match.start()
        count += 1
    return len(text)
