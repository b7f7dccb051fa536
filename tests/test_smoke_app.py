def test_home_page_speaks_french(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Rejoindre un atelier" in response.get_data(as_text=True)
