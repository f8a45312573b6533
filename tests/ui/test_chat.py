"""Talking to an agent through the app's chat box, typed as pygame events, with a scripted model."""

import pygame
import pytest

from agents.config import CognitionConfig
from tests.agents.test_conversation import CAFE_PLAN, CAFE_STEPS
from tests.helpers import ByPurpose, make_sim
from town.runtime.live import LiveSession
from town.ui.app import App


def scripted():
    return ByPurpose(
        {
            "plan_day": CAFE_PLAN,
            "decompose": CAFE_STEPS,
            "react": {"talk": "no"},
            "importance": lambda m: {"scores": [3] * sum(1 for x in m[-1].content.splitlines() if x[:1].isdigit())},
            "visitor": {"reply": "Yes! The harvest party is at five at Rosewood Cafe."},
            "interview": {"reply": "I have never heard of Kane Martinez."},
        }
    )


def type_line(key, text):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=""))
    for ch in text:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, unicode="\r"))


def open_app(town_map, personas, model):
    sim = make_sim(town_map, personas[:2], model, cognition=CognitionConfig())
    session = LiveSession(sim)
    app = App(session, size=(1100, 700))
    app.states[0].select("Mei Lin")
    return sim, session, app


def chat_records(sim, name):
    mind = next(m for m in sim.minds if m.name == name)
    return [r.text for r in mind.memory.records if r.kind == "chat"]


@pytest.mark.parametrize(
    ("key", "question", "reply", "remembered"),
    [
        (pygame.K_t, "Is there a party tonight?", "Yes! The harvest party is at five at Rosewood Cafe.", True),
        (pygame.K_i, "Who is Kane Martinez?", "I have never heard of Kane Martinez.", False),
    ],
)
def test_typed_chat_gets_a_reply_and_only_visitors_are_remembered(
    town_map, personas, tmp_path, key, question, reply, remembered
):
    model = scripted()
    sim, session, app = open_app(town_map, personas, model)
    type_line(key, question)
    app.run(max_frames=45, screenshot_dir=tmp_path, screenshot_every=45)
    view = session.snapshot.inspected
    assert view is not None and view.name == "Mei Lin"
    assert view.chat[-1] == ("Mei Lin", reply)
    assert view.chat[-2][1] == question
    mei = next(a for a in session.snapshot.agents if a.name == "Mei Lin")
    assert mei.speech == reply  # shown as a speech bubble too
    prompt = next(m for p, m in model.requests if p in ("visitor", "interview"))[-1].content
    assert question in prompt
    stored = [t for t in chat_records(sim, "Mei Lin") if question in t]
    assert bool(stored) is remembered
    assert (tmp_path / "frame-00045.png").is_file()


def test_a_whisper_becomes_an_inner_thought(town_map, personas):
    sim, session, app = open_app(town_map, personas, scripted())
    type_line(pygame.K_h, "I should invite Jonah to the party")
    app.run(max_frames=30)
    mind = next(m for m in sim.minds if m.name == "Mei Lin")
    thoughts = [r.text for r in mind.memory.records if r.kind == "thought"]
    assert "Mei Lin thinks: I should invite Jonah to the party" in thoughts


@pytest.mark.parametrize(("key", "char", "mode"), [(pygame.K_t, "t", "visitor"), (pygame.K_i, "i", "interview")])
def test_the_key_that_opens_the_chat_box_is_not_typed_into_it(town_map, personas, key, char, mode):
    model = scripted()
    sim, session, app = open_app(town_map, personas, model)
    # What SDL sends for one press of T: the key, then the same character as text; then the person types.
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=char))
    pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=char))
    for ch in "Hello Tom":
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
    app.run(max_frames=3)
    box = app.states[-1]
    assert type(box).__name__ == "ChatBox" and box.mode == mode
    assert box.typed == "Hello Tom"


def test_a_message_that_starts_with_the_shortcut_letter_keeps_it(town_map, personas):
    from town.ui.chat_box import ChatBox
    from town.ui.input_map import UiIntent

    model = scripted()
    sim, session, app = open_app(town_map, personas, model)
    box = ChatBox(app, "Mei Lin", "visitor", opened_by="t")
    box.process(UiIntent(kind="text", text="t"))  # the shortcut's own character, in the same frame: dropped
    app.frame += 5  # the person starts typing later
    for ch in "tea?":
        box.process(UiIntent(kind="text", text=ch))
    assert box.typed == "tea?"
    late = ChatBox(app, "Mei Lin", "visitor", opened_by="t")
    app.frame += 5  # no shortcut character came with the key (a driver that sends none): nothing is dropped
    for ch in "tea?":
        late.process(UiIntent(kind="text", text=ch))
    assert late.typed == "tea?"
    pygame.display.quit()
