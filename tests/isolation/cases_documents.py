"""Generated documents: a whole-region document is owned by (region, every agency "*", every
sector "*"), so OPD staff and sector viewers — who see only part of a region — never reach it."""

from __future__ import annotations

from django.core.files.base import ContentFile

from regions.models import Region, User
from reporting.models import GeneratedDocument
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import Case

WHOLE = "*"


def _doc(code: str, kind: str = GeneratedDocument.Kind.ANNEX) -> GeneratedDocument:
    doc = GeneratedDocument.objects.filter(region__code=code, kind=kind, year=2026).first()
    if doc is None:
        doc = GeneratedDocument(
            kind=kind,
            region=Region.objects.get(code=code),
            year=2026,
            status=GeneratedDocument.Status.DONE,
            progress=100,
            requested_by=User.objects.get(username="bangda.admin"),
            filename=f"isolation-{code}.pdf",
        )
        doc.file.save(f"isolation-{code}.pdf", ContentFile(b"%PDF-1.4 isolation"), save=False)
        doc.save()
    return doc


def _list_doc() -> GeneratedDocument:
    """klaten.tapem's download of a long report list: it holds what they see, so it is theirs."""
    tapem = User.objects.get(username="klaten.tapem")
    doc = GeneratedDocument.objects.filter(kind=GeneratedDocument.Kind.REPORT_LIST).first()
    if doc is None:
        doc = GeneratedDocument(
            kind=GeneratedDocument.Kind.REPORT_LIST,
            region=Region.objects.get(code="00"),
            year=2026,
            status=GeneratedDocument.Status.DONE,
            progress=100,
            requested_by=tapem,
            query="wilayah=33.10&export=csv",
            filename="isolation-list.csv",
        )
        doc.file.save(
            "isolation-list.csv", ContentFile(b"\xef\xbb\xbfKode;Wilayah\r\n"), save=False
        )
        doc.save()
    return doc


def _count() -> int:
    return GeneratedDocument.objects.count()


CASES = [
    Case("reporting:documents", allowed=EVERYONE),
    Case(
        "reporting:document_generate",
        allowed=viewers("33.10", WHOLE, WHOLE),
        owner=("33.10", WHOLE, WHOLE),
        method="post",
        data=lambda: {"region": "33.10", "kind": "annex", "year": "2026"},
        snapshot=_count,
    ),
    Case(
        "reporting:document_batch",
        allowed=viewers("00", WHOLE, WHOLE),
        owner=("00", WHOLE, WHOLE),
        method="post",
        data=lambda: {"year": "2026"},
        snapshot=_count,
    ),
    Case(
        "reporting:document_status",
        allowed=viewers("33.10", WHOLE, WHOLE),
        owner=("33.10", WHOLE, WHOLE),
        kwargs=lambda: {"pk": _doc("33.10").pk},
    ),
    Case(
        "reporting:document_status",
        allowed=viewers("36", WHOLE, WHOLE),
        owner=("36", WHOLE, WHOLE),
        kwargs=lambda: {"pk": _doc("36").pk},
        label="province",
    ),
    Case(
        "reporting:document_download",
        allowed=viewers("33.10", WHOLE, WHOLE),
        owner=("33.10", WHOLE, WHOLE),
        kwargs=lambda: {"pk": _doc("33.10").pk},
    ),
    Case(
        "reporting:document_download",
        allowed=viewers("00", WHOLE, WHOLE),
        owner=("00", WHOLE, WHOLE),
        kwargs=lambda: {"pk": _doc("00", GeneratedDocument.Kind.BATCH).pk},
        label="batch",
    ),
    Case(
        "reporting:document_status",
        allowed={"klaten.tapem"},
        kwargs=lambda: {"pk": _list_doc().pk},
        label="report-list",
    ),
    Case(
        "reporting:document_download",
        allowed={"klaten.tapem"},
        kwargs=lambda: {"pk": _list_doc().pk},
        label="report-list",
    ),
]
