def test_participant_logs_in_and_sees_their_cohort(live_server_url, new_page, log_in, participant):
    page = log_in(new_page(), "p1@acme.test")
    assert page.get_by_role("link", name="Leading Through Change").is_visible()
