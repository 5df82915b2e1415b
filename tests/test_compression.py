"""Text responses are gzipped for browsers that accept it; files are passed through untouched."""

from __future__ import annotations

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate, br"}


def test_pages_and_json_are_compressed_for_browsers_that_accept_gzip(login):
    client = login("jateng.biro")
    url = reverse("reporting:dashboard_province", args=["33"])
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.content) * 3 < len(plain.content)
    page = gzip.decompress(packed.content).decode()
    assert "<h1>" in page and "Jawa Tengah" in page
    api = client.get(reverse("api:period-list"), headers=GZIP)
    assert api.headers["Content-Encoding"] == "gzip"
    assert "results" in gzip.decompress(api.content).decode()


def test_workbooks_and_pdfs_are_not_compressed_again(login):
    client = login("klaten.dinkes")
    xlsx = client.get(reverse("reporting:period_list") + "?export=xlsx", headers=GZIP)
    assert xlsx.status_code == 200
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "Content-Encoding" not in xlsx.headers
    assert xlsx.content[:2] == b"PK"  # the workbook itself
    csv = client.get(reverse("reporting:report_list") + "?export=csv", headers=GZIP)
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.headers["Content-Encoding"] == "gzip"  # text: compressed
    body = gzip.decompress(b"".join(csv.streaming_content))  # streamed, compressed as it goes
    assert ";" in body.decode("utf-8-sig").splitlines()[0]
