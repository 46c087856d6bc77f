"""In real Chromium: an HR admin invites a person, who accepts from the email's
link in another browser and finds the cohort on their home page."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

INVITATION_LINK = re.compile(r"https?://\S+/invitations/[^/\s]+/")


def test_hr_admin_invites_and_the_person_signs_up_from_the_email(
    daphne_server, new_page, log_in, hr_admin, cohort, facilitator
):
    hr = log_in(new_page(), "hr@acme.test")
    hr.get_by_role("link", name="Manage Acme").click()
    hr.get_by_role("link", name="Leading Through Change").click()
    hr.get_by_role("link", name="Invite a person").click()
    hr.get_by_label("Email:", exact=True).fill("nova@acme.test")
    hr.get_by_label("Name:", exact=True).fill("Nova Newcomer")
    hr.get_by_label("Role:", exact=True).select_option("participant")
    hr.get_by_role("button", name="Send invitation").click()
    expect(hr.get_by_role("status")).to_contain_text("Invitation sent to nova@acme.test.")
    invitations = hr.get_by_role("region", name="Invitations")
    expect(invitations.get_by_role("row", name=re.compile("nova@acme.test"))).to_contain_text(
        "Pending"
    )

    # The email left on commit, before the page above was answered.
    (invitation_email,) = [m for m in daphne_server.emails() if m["To"] == "nova@acme.test"]
    body = invitation_email.get_payload(decode=True).decode()
    link = INVITATION_LINK.search(body).group(0)
    assert link.startswith(daphne_server.url)

    nova = new_page()
    nova.goto(daphne_server.url + urlsplit(link).path)
    expect(nova.get_by_role("heading", name="Join Leading Through Change")).to_be_visible()
    expect(nova.get_by_label("Your name")).to_have_value("Nova Newcomer")
    nova.get_by_label("Password:", exact=True).fill("a-long-and-rare-passphrase")
    nova.get_by_label("Password (again):", exact=True).fill("a-long-and-rare-passphrase")
    nova.get_by_role("button", name="Create account and join").click()

    nova.wait_for_url(f"{daphne_server.url}/")
    expect(nova.get_by_role("status")).to_contain_text("Welcome to Leading Through Change.")
    expect(nova.get_by_role("heading", name="Participating")).to_be_visible()
    expect(nova.get_by_role("link", name="Leading Through Change")).to_be_visible()
    nova.get_by_role("link", name="Leading Through Change").click()
    expect(nova.get_by_role("heading", name="Leading Through Change", level=1)).to_be_visible()

    # Back at the roster, the HR admin sees the invitation accepted.
    hr.reload()
    expect(invitations.get_by_role("row", name=re.compile("nova@acme.test"))).to_contain_text(
        "Accepted"
    )
    participants = hr.get_by_role("region", name=re.compile("Participants"))
    expect(participants.get_by_role("row", name=re.compile("Nova Newcomer"))).to_be_visible()
