import pytest


@pytest.mark.django_db
def test_healthz_checks_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }


@pytest.mark.django_db
def test_healthz_reports_a_broken_channel_layer(client, monkeypatch):
    from config import health

    def broken():
        raise ConnectionError("no redis")

    monkeypatch.setattr(health, "_check_channel_layer", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == "error: ConnectionError"
