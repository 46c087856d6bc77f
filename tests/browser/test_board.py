"""The live board in real Chromium: a facilitator and three participants, each
in their own browser context, against a real Daphne.

Data is made before the pages open; every change afterwards is made through a
browser, as people would. Assertions wait for what each board shows.
"""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.board_helpers import live_session, scheduled_session

MARKUP = "I froze <b>twice</b> <script>window.hacked = 1</script>"


@pytest.fixture
def third_participant(cohort):
    """A third participant of the cohort."""
    user = factories.UserFactory(email="p3@acme.test", display_name="Sam Three")
    factories.MembershipFactory(cohort=cohort, user=user)
    return user


def open_board(new_page, log_in, live_server_url, email, session):
    page = log_in(new_page(), email)
    page.goto(f"{live_server_url}/sessions/{session.pk}/board/")
    expect(page.locator("#board-connection")).to_have_text("Connected.")
    return page


def reflection(page, text):
    """The list item of the reflection whose text is exactly `text`."""
    return page.locator("li.reflection").filter(
        has=page.locator(".reflection-text").get_by_text(text, exact=True)
    )


def post(page, text):
    page.get_by_role("textbox", name="Reflection", exact=True).fill(text)
    page.get_by_role("button", name="Post", exact=True).click()


def test_facilitator_and_three_participants_share_one_board(
    live_server_url,
    new_page,
    log_in,
    cohort,
    facilitator,
    participant,
    other_participant,
    third_participant,
):
    session = live_session(cohort, facilitator)
    coach = open_board(new_page, log_in, live_server_url, "coach@acme.test", session)
    pat = open_board(new_page, log_in, live_server_url, "p1@acme.test", session)
    robin = open_board(new_page, log_in, live_server_url, "p2@acme.test", session)
    sam = open_board(new_page, log_in, live_server_url, "p3@acme.test", session)
    everyone = [coach, pat, robin, sam]

    for page in everyone:
        expect(page.locator("#board-phase-title")).to_have_text("Reflection")
        expect(page.locator("#board-presence li")).to_have_count(4)

    # A post reaches every board, as text: the markup is not rendered.
    post(pat, MARKUP)
    for page in everyone:
        expect(reflection(page, MARKUP)).to_have_count(1)
        expect(page.locator("#board-reflections b")).to_have_count(0)
        assert page.evaluate("window.hacked") is None
    expect(pat.get_by_role("textbox", name="Reflection", exact=True)).to_have_value("")

    # A reaction is counted on every board and can be taken back.
    heart = robin.locator("li.reflection").first.get_by_role("button", name="Heart")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    for page in everyone:
        expect(reflection(page, MARKUP).get_by_role("button", name="Heart")).to_contain_text("1")
    expect(reflection(pat, MARKUP).get_by_role("button", name="Heart")).to_have_attribute(
        "aria-pressed", "false"
    )
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "false")
    for page in everyone:
        expect(reflection(page, MARKUP).get_by_role("button", name="Heart")).to_contain_text("0")

    # The facilitator spotlights Pat's reflection: everyone sees it up front.
    reflection(coach, MARKUP).get_by_role("button", name="Spotlight").click()
    for page in everyone:
        expect(page.locator("#board-spotlight")).to_be_visible()
        expect(page.locator("#board-spotlight .spotlight-text")).to_have_text(MARKUP)

    # The facilitator hides an off-topic post: gone for participants, marked
    # for facilitators.
    post(sam, "Off topic: lunch plans?")
    for page in everyone:
        expect(reflection(page, "Off topic: lunch plans?")).to_have_count(1)
    reflection(coach, "Off topic: lunch plans?").get_by_role("button", name="Hide").click()
    for page in (pat, robin, sam):
        expect(reflection(page, "Off topic: lunch plans?")).to_have_count(0)
    expect(reflection(coach, "Off topic: lunch plans?")).to_contain_text("Hidden")
    expect(
        reflection(coach, "Off topic: lunch plans?").get_by_role("button", name="Unhide")
    ).to_be_visible()

    # Robin's connection drops; a post typed meanwhile waits, then arrives once.
    robin.context.set_offline(True)
    expect(robin.locator("#board-connection")).to_contain_text("Offline")
    post(robin, "Written on the train")
    expect(reflection(robin, "Written on the train")).to_contain_text("Pending")
    expect(robin.locator("#board-connection")).to_contain_text("1 post waiting to be sent.")
    expect(reflection(coach, "Written on the train")).to_have_count(0)
    post(pat, "Posted while Robin was away")
    expect(reflection(coach, "Posted while Robin was away")).to_have_count(1)
    expect(reflection(robin, "Posted while Robin was away")).to_have_count(0)
    robin.context.set_offline(False)
    expect(robin.locator("#board-connection")).to_have_text("Connected.")
    for page in everyone:
        expect(reflection(page, "Written on the train")).to_have_count(1)
        expect(reflection(page, "Written on the train")).not_to_contain_text("Pending")
    # What happened meanwhile reached Robin on reconnecting.
    expect(reflection(robin, "Posted while Robin was away")).to_have_count(1)
    stored = robin.evaluate("Object.keys(localStorage).filter(k => k.includes('outbox'))")
    assert stored == []

    # The facilitator moves everyone on; earlier reflections fold away.
    coach.get_by_role("button", name="Next phase").click()
    for page in everyone:
        expect(page.locator("#board-phase-title")).to_have_text("Discussion")
        expect(page.locator("#board-reflections li")).to_have_count(0)
        earlier = page.locator("details.earlier-phase")
        expect(earlier).to_have_count(1)
        expect(earlier.locator("summary")).to_contain_text("Reflection")
    pat.locator("details.earlier-phase summary").click()
    expect(reflection(pat, MARKUP)).to_be_visible()


def test_keyboard_flow_moderation_commitments_and_the_end(
    live_server_url, new_page, log_in, cohort, facilitator, participant, other_participant
):
    session = live_session(cohort, facilitator)
    discussion = session.phases.get(position=3)
    discussion.anonymous = True
    discussion.save()
    coach = open_board(new_page, log_in, live_server_url, "coach@acme.test", session)
    pat = open_board(new_page, log_in, live_server_url, "p1@acme.test", session)
    robin = open_board(new_page, log_in, live_server_url, "p2@acme.test", session)

    # Post by keyboard alone: type, Tab to "Post", Enter.
    pat.get_by_role("textbox", name="Reflection", exact=True).focus()
    pat.keyboard.type("Typed without a mouse")
    pat.keyboard.press("Tab")
    expect(pat.get_by_role("button", name="Post", exact=True)).to_be_focused()
    pat.keyboard.press("Enter")
    expect(reflection(coach, "Typed without a mouse")).to_have_count(1)
    expect(coach.locator("#board-announcer")).to_contain_text(
        "New reflection from Pat One: Typed without a mouse"
    )

    # Edit and delete one's own, by keyboard.
    reflection(pat, "Typed without a mouse").get_by_role("button", name="Edit").press("Enter")
    editor = pat.get_by_role("textbox", name="Edit your reflection")
    expect(editor).to_be_focused()
    editor.fill("Typed, then edited")
    editor.press("Tab")
    pat.keyboard.press("Enter")
    expect(reflection(coach, "Typed, then edited")).to_contain_text("edited")
    expect(
        reflection(pat, "Typed, then edited").get_by_role("button", name="Edit")
    ).to_be_focused()
    expect(
        reflection(robin, "Typed, then edited").get_by_role("button", name="Edit")
    ).to_have_count(0)
    reflection(pat, "Typed, then edited").get_by_role("button", name="Delete").press("Enter")
    pat.get_by_role("button", name="Yes, delete").press("Enter")
    for page in (coach, pat, robin):
        expect(reflection(page, "Typed, then edited")).to_have_count(0)

    # The timer counts down on every board; paused, it says so.
    coach.get_by_role("button", name="Start timer").click()
    expect(pat.locator("#board-timer")).to_have_text(re.compile(r"^1[45]:\d\d$"))
    coach.get_by_role("button", name="Pause timer").click()
    expect(pat.locator("#board-timer")).to_contain_text("(paused)")
    coach.get_by_role("button", name="Add 5 minutes").click()
    expect(robin.locator("#board-timer")).to_have_text(re.compile(r"^(19|20):\d\d \(paused\)$"))

    # A post written offline meets a lock on its way: refused, text given back.
    robin.context.set_offline(True)
    expect(robin.locator("#board-connection")).to_contain_text("Offline")
    post(robin, "Sent into a lock")
    coach.get_by_role("button", name="Lock posting").click()
    expect(pat.locator("#board-compose-note")).to_have_text(
        "Posting is locked by the facilitator."
    )
    expect(pat.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    robin.context.set_offline(False)
    expect(robin.get_by_role("alert")).to_contain_text("Not posted")
    expect(robin.get_by_role("textbox", name="Reflection", exact=True)).to_have_value(
        "Sent into a lock"
    )
    expect(reflection(coach, "Sent into a lock")).to_have_count(0)
    coach.get_by_role("button", name="Unlock posting").click()
    expect(robin.get_by_role("button", name="Post", exact=True)).to_be_enabled()

    # An anonymous prompt shows no author to anyone, the facilitator included.
    coach.get_by_role("button", name="Go to Discussion").click()
    expect(pat.locator("#board-phase-anonymous")).to_be_visible()
    post(pat, "Said without a name")
    for page in (coach, robin):
        item = reflection(page, "Said without a name")
        expect(item.locator(".reflection-author")).to_have_text("Anonymous")
        expect(item).not_to_contain_text("Pat One")
    expect(reflection(pat, "Said without a name")).to_contain_text("You")

    # Commitments: participants add their own; the facilitator sees them all.
    coach.get_by_role("button", name="Go to Commitments").click()
    pat.get_by_role("textbox", name="Commitment").fill("Ask my team first")
    pat.get_by_role("button", name="Add commitment").click()
    expect(coach.locator("#board-commitment-list")).to_contain_text("Pat One")
    expect(coach.locator("#board-commitment-list")).to_contain_text("Ask my team first")
    expect(pat.locator("#board-commitment-list")).to_contain_text("Ask my team first")
    expect(robin.locator("#board-commitment-list li")).to_have_count(0)

    # The end: every board says so and points to the summary.
    coach.get_by_role("button", name="End session").click()
    coach.get_by_role("button", name="Yes, end the session").click()
    for page in (coach, pat, robin):
        expect(page.locator("#board-session-state")).to_contain_text("This session has ended.")
    expect(pat.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    pat.get_by_role("link", name="Read the summary").click()
    expect(pat.get_by_role("heading", level=1)).to_contain_text("Summary")
    expect(pat.get_by_text("Ask my team first")).to_be_visible()


def test_board_opens_for_everyone_when_the_facilitator_starts(
    live_server_url, new_page, log_in, cohort, facilitator, participant
):
    session = scheduled_session(cohort, facilitator)
    pat = log_in(new_page(), "p1@acme.test")
    pat.set_viewport_size({"width": 390, "height": 844})  # a phone
    pat.goto(f"{live_server_url}/sessions/{session.pk}/board/")
    expect(pat.locator("#board-session-state")).to_contain_text("has not started yet")
    expect(pat.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    coach = open_board(new_page, log_in, live_server_url, "coach@acme.test", session)
    coach.get_by_role("button", name="Start the session").click()
    expect(coach.locator("#board-connection")).to_have_text("Connected.")
    for page in (coach, pat):
        expect(page.locator("#board-phase-title")).to_have_text("Check-in round")
        expect(page.locator("#board-phase-prompt")).to_have_text(
            "In one sentence: how are you arriving today?"
        )
    expect(pat.locator("#board-session-state")).to_be_hidden()
    post(pat, "Arriving curious")
    expect(reflection(coach, "Arriving curious")).to_have_count(1)
    # On the phone nothing runs off the side of the screen.
    assert pat.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
