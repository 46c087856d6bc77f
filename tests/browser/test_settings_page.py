"""In real Chromium: the settings page passes axe and is used by keyboard alone,
from the header's link to saving the profile and the emails; the unsubscribe
page passes axe too."""

from playwright.sync_api import expect

from notifications.models import EmailOptOut
from notifications.preferences import unsubscribe_token
from tests.browser.conftest import assert_no_axe_violations

MOST_TABS = 60


def tab_to(page, locator):
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{locator} never got the focus by Tab")


def test_the_settings_page_by_keyboard_alone(daphne_server, new_page, log_in, participant):
    page = log_in(new_page(), "p1@acme.test")

    tab_to(page, page.get_by_role("link", name="Settings"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{daphne_server.url}/settings/")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    for section in ("Profile", "Emails", "Calendar"):
        expect(page.get_by_role("heading", name=section, level=2)).to_be_visible()
    assert_no_axe_violations(page)

    name = page.get_by_label("Your name")
    tab_to(page, name)
    page.keyboard.press("Control+A")
    page.keyboard.type("Pat Keyboard")
    page.keyboard.press("Enter")  # submits the profile form
    expect(page.locator(".messages")).to_contain_text("Saved.")
    expect(page.get_by_label("Your name")).to_have_value("Pat Keyboard")

    checkin = page.get_by_role("checkbox", name="Check-in due")
    expect(checkin).to_be_checked()
    tab_to(page, checkin)
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Save emails"))
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Saved.")
    expect(page.get_by_role("checkbox", name="Check-in due")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Session reminders")).to_be_checked()
    assert list(EmailOptOut.objects.values_list("user__email", "kind")) == [
        ("p1@acme.test", "checkin")
    ]
    assert_no_axe_violations(page)


def test_the_unsubscribe_page_passes_axe_and_its_button_works_by_keyboard(
    daphne_server, new_page, participant
):
    page = new_page()
    token = unsubscribe_token(participant.pk, "session")
    page.goto(f"{daphne_server.url}/emails/unsubscribe/{token}/")
    assert_no_axe_violations(page)
    assert not EmailOptOut.objects.exists()

    tab_to(page, page.get_by_role("button", name="Turn off “Session reminders” emails"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Emails turned off")).to_be_visible()
    assert_no_axe_violations(page)
    assert list(EmailOptOut.objects.values_list("kind", flat=True)) == ["session"]
