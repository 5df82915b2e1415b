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


@pytest.mark.django_db
def test_quarters_read_tw_in_indonesian_and_q_in_english(login):
    from reporting.models import Period

    period = Period(year=2026, quarter=3, due_date="2026-10-20")
    client = login("bangda.admin")
    url = reverse("reporting:dashboard_national")
    page = client.get(url, {"year": 2026, "quarter": 3}).content.decode()
    assert "TW III 2026" in page and str(period) == "TW III 2026"
    assert '<option value="3" selected>TW III</option>' in page
    client.cookies["django_language"] = "en"
    page = client.get(url, {"year": 2026, "quarter": 3}).content.decode()
    assert "Q3 2026" in page and "TW III" not in page
    assert '<option value="3" selected>Q3</option>' in page


@pytest.mark.django_db
def test_an_english_request_in_one_test(login):
    client = login("bangda.admin")
    client.cookies["django_language"] = "en"
    assert client.get(reverse("home")).headers["Content-Language"] == "en"


def test_the_next_test_starts_in_indonesian_again():
    """A request in English leaves English active in the thread; texts made outside a request
    (import messages, tasks, PDFs) in the next test must not come out in English."""
    from django.utils import translation
    from django.utils.translation import gettext

    assert translation.get_language() == "id"
    assert gettext("Lembar %(sheet)s baris %(row)s") % {"sheet": "Mutu", "row": 54} == (
        "Lembar Mutu baris 54"
    )
