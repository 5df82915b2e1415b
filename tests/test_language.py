from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_indonesian_by_default_even_for_an_english_browser():
    response = Client().get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert response.headers["Content-Language"] == "id"
    assert "Masuk ke e-SPM" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_turns_english_on():
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "en"
