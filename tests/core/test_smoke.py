def test_health_reports_database(client, db):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"]["status"] == "ok"
