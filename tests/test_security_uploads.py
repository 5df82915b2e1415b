"""Uploads: HTML/SVG/executables disguised by their name are refused; evidence is never served
inline or sniffed; files live outside the web root (no MEDIA_URL route)."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import Resolver404, resolve, reverse

from regions.models import User
from reporting.entry.evidence import check_upload
from reporting.models import Evidence, Report

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("laporan.pdf", HTML),
        ("laporan.pdf", SVG),
        ("laporan.pdf", EXE),
        ("foto.png", SVG),
        ("foto.jpg", ELF),
        ("data.xlsx", EXE),
        ("data.csv", EXE),
        ("halaman.html", HTML),
        ("gambar.svg", SVG),
        ("program.exe", EXE),
        ("laporan.pdf.exe", EXE),
        ("tanpa-ekstensi", PDF),
    ],
)
def test_disguised_or_dangerous_files_are_refused(name, content):
    with pytest.raises(ValidationError):
        check_upload(io.BytesIO(content), name, len(content))


def test_a_real_pdf_passes():
    checked = check_upload(io.BytesIO(PDF), "bukti.pdf", len(PDF))
    assert checked.content_type == "application/pdf"


def test_private_files_have_no_public_url():
    location = str(settings.STORAGES["private"]["OPTIONS"]["location"])
    assert not location.startswith(str(settings.STATIC_ROOT))
    for probe in ("/media/evidence/x.pdf", "/private/evidence/x.pdf", "/evidence/2026/01/x.pdf"):
        with pytest.raises(Resolver404):
            resolve(probe)


@pytest.mark.django_db
def test_evidence_is_downloaded_as_attachment_never_sniffed(login, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("private", None)
    report = Report.objects.filter(region__code="33.10", agency__short_name="DINKES").first()
    assert report is not None
    evidence = Evidence(
        report=report,
        original_name="bukti.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=User.objects.get(username="klaten.dinkes"),
    )
    evidence.file.save("bukti.pdf", ContentFile(PDF), save=False)
    evidence.save()
    try:
        response = login("klaten.tapem").get(
            reverse("reporting:evidence_download", kwargs={"pk": evidence.pk})
        )
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "html" not in response["Content-Type"] and "svg" not in response["Content-Type"]
        # Another region's verifier cannot tell it exists.
        assert (
            login("ngawi.tapem")
            .get(reverse("reporting:evidence_download", kwargs={"pk": evidence.pk}))
            .status_code
            == 404
        )
    finally:
        storages._storages.pop("private", None)
