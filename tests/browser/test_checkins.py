"""In real Chromium: one partner sends a check-in, the other sees it arrive live
on the cohort page and replies; the reply reaches the author live too, and
the author's answer reaches the partner, live or, after a dropped connection,
on reconnecting."""

from playwright.sync_api import expect

from goals.models import CheckInReply
from tests.goals_support import pair_up, personal_goal


def test_a_checkin_appears_live_for_the_partner_who_replies(
    live_server_url, new_page, log_in, cohort, facilitator, participant, other_participant
):
    pair_up(cohort, [participant, other_participant])
    personal_goal(cohort, participant, title="Delegate the weekly report")
    cohort_url = f"{live_server_url}/cohorts/{cohort.pk}/"

    robin = log_in(new_page(), "p2@acme.test")
    robin.goto(cohort_url)
    expect(robin.locator("#cohort-live-status")).to_contain_text("Live")
    expect(robin.locator("#cohort-checkins")).to_contain_text("No check-in yet this period.")

    pat = log_in(new_page(), "p1@acme.test")
    pat.goto(cohort_url)
    pat.get_by_role("link", name="Write my check-in").click()
    pat.get_by_label("Progress on “Delegate the weekly report” (0 to 100)").fill("35")
    pat.get_by_label("A win").fill("Anna sent the weekly report on her own.")
    pat.get_by_label("An ask for support").fill("How do I stop checking her work?")
    pat.get_by_label("4 · good").check()
    pat.get_by_role("button", name="Send check-in").click()
    expect(pat.get_by_role("status")).to_contain_text("Check-in sent.")
    pat.goto(cohort_url)
    expect(pat.locator("#cohort-live-status")).to_contain_text("Live")

    # No reload on Robin's page: the check-in arrives over the cohort socket.
    card = robin.locator("#cohort-checkins article", has_text="Pat One")
    expect(card).to_contain_text("Anna sent the weekly report on her own.")
    expect(card).to_contain_text("energy 4/5")
    card.get_by_label("Reply to Pat One").fill("Trust her for two more weeks, then ask.")
    card.get_by_role("button", name="Reply").click()
    expect(card.locator("ol.replies")).to_contain_text("Trust her for two more weeks, then ask.")
    expect(card.get_by_label("Reply to Pat One")).to_have_value("")

    # And the author sees the reply arrive on their own open page.
    mine = pat.locator("#cohort-checkins article", has_text="Pat One")
    expect(mine.locator("ol.replies")).to_contain_text("Trust her for two more weeks, then ask.")
    assert CheckInReply.objects.get().author == other_participant

    # The author answers in her own thread: her partner sees it live.
    mine.get_by_label("Reply to Pat One").fill("Thanks, I will try that.")
    mine.get_by_role("button", name="Reply").click()
    expect(card.locator("ol.replies")).to_contain_text("Thanks, I will try that.")

    # Robin's connection drops; a reply written meanwhile reaches Robin once
    # the socket is back, resumed from the last seq, without a reload.
    sockets = []
    robin.on("websocket", lambda socket: sockets.append(socket.url))
    robin.evaluate("window.sameDocument = true")
    robin.context.set_offline(True)
    expect(robin.locator("#cohort-live-status")).to_contain_text("reconnecting")
    mine.get_by_label("Reply to Pat One").fill("And I will tell you how it went.")
    mine.get_by_role("button", name="Reply").click()
    expect(mine.locator("ol.replies")).to_contain_text("And I will tell you how it went.")
    robin.context.set_offline(False)
    expect(robin.locator("#cohort-live-status")).to_contain_text("Live")
    expect(card.locator("ol.replies li")).to_have_count(3)
    expect(card.locator("ol.replies")).to_contain_text("And I will tell you how it went.")
    assert robin.evaluate("window.sameDocument") is True
    assert sockets and all("?last_seq=" in url for url in sockets), sockets
