"""The full chain Klaten → Jawa Tengah → Bangda through the pages, with a return at each level
and the reason visible to the people who must act; reopen and freeze; notifications once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from regions.models import Region, User
from reporting import workflow
from reporting.entry import locks
from reporting.models import Notification, RegionSubmission, Report, WorkflowEvent
from tests import factories_review as f
from tests import factories_targets as targets


@pytest.fixture(autouse=True)
def _notify_inline(celery_eager):
    """Notifications are sent by a Celery task after commit: run it inline in these tests."""


@pytest.fixture
def setup(db):
    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    jateng = Region.objects.get(code="33")
    klaten_sub = f.verified_region(klaten, p)
    jateng_sub = f.verified_region(jateng, p)
    # Verifying a report needs its year's verified target (workflow.target_problem).
    targets.verified_targets(klaten, p.year)
    report = (
        Report.objects.filter(region=klaten, period=p, agency__short_name="DINKES")
        .order_by("service_type__code")
        .first()
    )
    f.set_status(report, Report.Status.DRAFT)
    return p, report, klaten_sub, jateng_sub


def post(client, name, pk, action, capture, **data):
    with capture(execute=True):
        return client.post(reverse(name, args=[pk, action]), data)


def report_step(client, report, action, capture, **data):
    report.refresh_from_db()
    return post(
        client, "reporting:report_transition", report.pk, action, capture,
        version=report.version, **data,
    )  # fmt: skip


def region_step(client, sub, action, capture, **data):
    sub.refresh_from_db()
    return post(
        client, "reporting:submission_transition", sub.pk, action, capture,
        version=sub.version, **data,
    )  # fmt: skip


def unread(username: str) -> list[Notification]:
    return list(Notification.objects.filter(user__username=username, read_at__isnull=True))


def test_full_chain_with_a_return_at_each_level(
    setup, login, django_capture_on_commit_callbacks, mailoutbox
):
    p, report, klaten_sub, jateng_sub = setup
    cap = django_capture_on_commit_callbacks
    dinkes, tapem = login("klaten.dinkes"), login("klaten.tapem")
    biro, bangda = login("jateng.biro"), login("bangda.admin")

    # 1. the OPD submits; the verifier is told
    assert report_step(dinkes, report, "submit", cap).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    assert [n.kind for n in unread("klaten.tapem")] == ["submitted"]

    # 2. a return without a reason is refused, nothing changes
    r = report_step(tapem, report, "return", cap, reason="  ")
    assert r.status_code == 200 and "Alasan wajib diisi" in r.content.decode()
    report.refresh_from_db()
    assert report.status == "submitted"

    # 3. return with a reason: the operator sees it on the bell, by e-mail and on the page
    report_step(tapem, report, "return", cap, reason="Jumlah penerima tidak sesuai data Puskesmas")
    report.refresh_from_db()
    assert report.status == "returned"
    note = unread("klaten.dinkes")[0]
    assert note.kind == "returned" and "tidak sesuai data Puskesmas" in note.body
    assert any("tidak sesuai data Puskesmas" in m.body for m in mailoutbox)
    page = dinkes.get(reverse("reporting:report_review", args=[report.pk])).content.decode()
    assert "tidak sesuai data Puskesmas" in page
    home = dinkes.get(reverse("home")).content.decode()
    assert "Dikembalikan kepada Anda" in home and "tidak sesuai data Puskesmas" in home
    # …and not to another agency's operator
    assert (
        "tidak sesuai data Puskesmas"
        not in login("klaten.dindik").get(reverse("home")).content.decode()
    )

    # 4. the operator fixes and resubmits; the verifier sees what changed
    Report.objects.filter(pk=report.pk).update(recipients_served=95)
    report_step(dinkes, report, "submit", cap)
    page = tapem.get(reverse("reporting:report_review", args=[report.pk])).content.decode()
    assert "Perubahan sejak dikembalikan" in page and "Penerima terlayani" in page
    assert "95" in page

    # 5. verify; the region submits to the province
    report_step(tapem, report, "verify", cap)
    report.refresh_from_db()
    assert report.status == "verified"
    region_step(tapem, klaten_sub, "submit_region", cap)
    klaten_sub.refresh_from_db()
    assert klaten_sub.status == "submitted" and not klaten_sub.is_late
    assert [n.kind for n in unread("jateng.biro")] == ["submitted"]
    # frozen for the operator while the province reviews
    dinkes_user = User.objects.get(username="klaten.dinkes")
    report.refresh_from_db()
    assert locks.entry_lock_reason(report, dinkes_user)

    # 6. the province returns the region with a reason; Tapem sees it
    region_step(biro, klaten_sub, "return_region", cap, reason="Lampirkan rencana aksi")
    klaten_sub.refresh_from_db()
    assert klaten_sub.status == "returned" and klaten_sub.return_reason == "Lampirkan rencana aksi"
    assert any("rencana aksi" in n.body for n in unread("klaten.tapem"))
    page = tapem.get(reverse("reporting:submission_detail", args=[klaten_sub.pk])).content.decode()
    assert "Lampirkan rencana aksi" in page

    # 7. resubmit, the province accepts; the region is frozen
    region_step(tapem, klaten_sub, "submit_region", cap)
    region_step(biro, klaten_sub, "accept", cap)
    klaten_sub.refresh_from_db()
    assert klaten_sub.status == "accepted"
    assert "dibekukan" in workflow.review_lock_reason(report)

    # 8. the province submits with its recap; Bangda returns, then accepts
    region_step(biro, jateng_sub, "submit_region", cap)
    jateng_sub.refresh_from_db()
    assert jateng_sub.status == "submitted"
    event = WorkflowEvent.objects.filter(submission=jateng_sub, action="submit_region").last()
    assert event.snapshot["recap"]["33.10"]["status"] == "accepted"
    assert [n.kind for n in unread("bangda.admin")] == ["submitted"]
    region_step(bangda, jateng_sub, "return_region", cap, reason="Rekap Kab. Klaten belum lengkap")
    assert any("Rekap Kab. Klaten" in n.body for n in unread("jateng.biro"))
    region_step(biro, jateng_sub, "submit_region", cap)
    region_step(bangda, jateng_sub, "accept", cap)
    jateng_sub.refresh_from_db()
    assert jateng_sub.status == "accepted"

    # the timeline shows every step with who and why
    page = biro.get(reverse("reporting:submission_detail", args=[jateng_sub.pk])).content.decode()
    assert "Rekap Kab. Klaten belum lengkap" in page and "Diterima" in page
    # recap pages and exports
    assert biro.get(reverse("reporting:recap", args=[jateng_sub.pk])).status_code == 200
    xlsx = biro.get(reverse("reporting:recap_xlsx", args=[jateng_sub.pk]))
    assert xlsx.content[:2] == b"PK"


def test_double_submit_makes_exactly_one_transition(
    setup, login, django_capture_on_commit_callbacks
):
    _, report, _, _ = setup
    dinkes = login("klaten.dinkes")
    # the operator's own section saves bump the version (the bar follows each save); the page
    # sends the status and the version it showed
    Report.objects.filter(pk=report.pk).update(version=report.version + 3)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            r = dinkes.post(
                reverse("reporting:report_transition", args=[report.pk, "submit"]),
                {"status": "draft", "version": report.version + 3},
            )
        assert r.status_code == 302
    assert WorkflowEvent.objects.filter(report=report, action="submit").count() == 1
    assert Notification.objects.filter(user__username="klaten.tapem", kind="submitted").count() == 1


def test_second_reviewer_sees_who_acted_first(setup, cast):
    _, report, _, _ = setup
    workflow.transition(report, "submit", cast["klaten.dinkes"])
    report.refresh_from_db()
    seen = report.version
    workflow.transition(report, "verify", cast["klaten.tapem"], expected_version=seen)
    with pytest.raises(workflow.Stale) as exc:
        workflow.transition(
            report, "return", cast["klaten.tapem"], reason="x", expected_version=seen
        )
    assert "Diverifikasi" in exc.value.message


def test_submit_refused_with_empty_parts_lists_what_is_missing(setup, login):
    _, report, _, _ = setup
    Report.objects.filter(pk=report.pk).update(recipients_served=None)
    report.stages.update(status="")
    r = login("klaten.dinkes").post(
        reverse("reporting:report_transition", args=[report.pk, "submit"]), {}
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "penerima terlayani belum diisi" in body and "status tahap" in body
    report.refresh_from_db()
    assert report.status == "draft"


def test_region_cannot_submit_while_a_report_is_not_verified(setup, login):
    _, report, klaten_sub, _ = setup
    r = login("klaten.tapem").post(
        reverse("reporting:submission_transition", args=[klaten_sub.pk, "submit_region"]), {}
    )
    body = r.content.decode()
    assert report.service_type.code in body and "Dinas Kesehatan" in body
    klaten_sub.refresh_from_db()
    assert klaten_sub.status == "in_progress"


def test_after_due_date_locked_unless_late_allowed_then_reopen(setup, cast):
    p, report, klaten_sub, _ = setup
    p.due_date = timezone.localdate() - dt.timedelta(days=3)
    p.allow_late = False
    p.save()
    with pytest.raises(workflow.Refused) as exc:
        workflow.transition(report, "submit", cast["klaten.dinkes"])
    assert "Batas waktu" in exc.value.problems[0].message
    assert locks.entry_lock_reason(report, cast["klaten.dinkes"])
    # the province reopens Klaten with a reason and a new due date
    with pytest.raises(workflow.Refused):
        workflow.transition(klaten_sub, "reopen_region", cast["jateng.biro"], reason="x")
    new_due = timezone.localdate() + dt.timedelta(days=5)
    workflow.transition(
        klaten_sub, "reopen_region", cast["jateng.biro"], reason="Banjir", due_date=new_due
    )
    klaten_sub.refresh_from_db()
    assert klaten_sub.due_date == new_due
    report = Report.objects.get(pk=report.pk)
    assert locks.entry_lock_reason(report, cast["klaten.dinkes"]) is None
    workflow.transition(report, "submit", cast["klaten.dinkes"])


def test_late_submission_is_flagged(setup, cast):
    p, report, klaten_sub, _ = setup
    p.due_date = timezone.localdate() - dt.timedelta(days=1)
    p.save()
    workflow.transition(report, "submit", cast["klaten.dinkes"])
    workflow.transition(report, "verify", cast["klaten.tapem"])
    workflow.transition(klaten_sub, "submit_region", cast["klaten.tapem"])
    klaten_sub.refresh_from_db()
    assert klaten_sub.is_late


def test_correction_after_acceptance_needs_reopen_and_leaves_a_revision(setup, cast):
    _, report, klaten_sub, _ = setup
    workflow.transition(report, "submit", cast["klaten.dinkes"])
    workflow.transition(report, "verify", cast["klaten.tapem"])
    workflow.transition(klaten_sub, "submit_region", cast["klaten.tapem"])
    workflow.transition(klaten_sub, "accept", cast["jateng.biro"])
    report.refresh_from_db()
    # frozen: the verifier can't reopen a report of an accepted region
    with pytest.raises(workflow.Refused):
        workflow.transition(report, "reopen", cast["klaten.tapem"], reason="salah ketik")
    workflow.transition(
        klaten_sub, "reopen_region", cast["bangda.admin"], reason="Koreksi data",
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )  # fmt: skip
    workflow.transition(report, "reopen", cast["klaten.tapem"], reason="salah ketik")
    report.refresh_from_db()
    assert report.status == "returned"
    assert locks.entry_lock_reason(report, cast["klaten.dinkes"]) is None
    actions = list(WorkflowEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["submit", "verify", "reopen"]
    assert report.history.count() >= 3  # every step is a recorded revision


def test_province_cannot_reopen_kabkota_once_its_own_report_is_with_bangda(setup, cast):
    _, report, klaten_sub, jateng_sub = setup
    f.set_status(klaten_sub, RegionSubmission.Status.ACCEPTED)
    f.set_status(jateng_sub, RegionSubmission.Status.SUBMITTED)
    due = timezone.localdate() + dt.timedelta(days=7)
    with pytest.raises(workflow.Refused):
        workflow.transition(
            klaten_sub, "reopen_region", cast["jateng.biro"], reason="x", due_date=due
        )
    workflow.transition(klaten_sub, "reopen_region", cast["bangda.admin"], reason="x", due_date=due)


def test_notifications_dispatch_is_idempotent(setup, cast):
    from reporting import notifications

    _, report, _, _ = setup
    result = workflow.transition(report, "submit", cast["klaten.dinkes"])
    first = notifications.dispatch(result.event.pk)
    again = notifications.dispatch(result.event.pk)
    assert len(first) == 1 and again == []
    assert len(mail.outbox) == 1


def test_bell_counts_and_mark_read(setup, login, cast, django_capture_on_commit_callbacks):
    _, report, _, _ = setup
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(report, "submit", cast["klaten.dinkes"])
    tapem = login("klaten.tapem")
    bell = tapem.get(reverse("reporting:notifications_bell")).content.decode()
    assert 'data-unread="1"' in bell
    # someone else's id marks nothing of theirs
    note = Notification.objects.get(user__username="klaten.tapem")
    login("klaten.dinkes").post(reverse("reporting:notifications_read"), {"id": note.pk})
    note.refresh_from_db()
    assert note.read_at is None
    tapem.post(reverse("reporting:notifications_read"), {"id": note.pk})
    note.refresh_from_db()
    assert note.read_at is not None
    # the number counts only this user's unread notifications
    assert "data-unread" not in tapem.get(reverse("reporting:notifications_bell")).content.decode()
    Notification.objects.create(user=note.user, kind="submitted", title="x", key="extra-1")
    Notification.objects.create(user=cast["klaten.dinkes"], kind="submitted", title="y", key="x2")
    bell = tapem.get(reverse("reporting:notifications_bell")).content.decode()
    assert 'data-unread="1"' in bell


def test_bulk_verify_confirms_then_verifies_only_passing_reports(setup, login, cast):
    p, report, klaten_sub, _ = setup
    others = list(Report.objects.filter(region=report.region, period=p).exclude(pk=report.pk)[:2])
    for r in [report, *others]:
        f.set_status(r, Report.Status.SUBMITTED)
    Report.objects.filter(pk=report.pk).update(recipients_served=None)
    tapem = login("klaten.tapem")
    ids = [report.pk, *[r.pk for r in others]]
    page = tapem.get(reverse("reporting:review_bulk_verify"), {"ids": ids}).content.decode()
    assert "penerima terlayani belum diisi" in page
    # The confirmation posts each listed report's version as it showed it.
    shown = {
        f"version-{pk}": v
        for pk, v in Report.objects.filter(pk__in=ids).values_list("pk", "version")
    }
    tapem.post(reverse("reporting:review_bulk_verify"), {"ids": ids, "confirm": "1", **shown})
    statuses = dict(Report.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses[report.pk] == "submitted"
    assert all(statuses[r.pk] == "verified" for r in others)


def test_inboxes_and_home_panels(setup, login, cast):
    _, report, klaten_sub, _ = setup
    workflow.transition(report, "submit", cast["klaten.dinkes"])
    page = login("klaten.tapem").get(reverse("reporting:review_inbox")).content.decode()
    assert report.service_type.code in page
    home = login("klaten.tapem").get(reverse("home")).content.decode()
    assert "Menunggu verifikasi Anda" in home
    f.set_status(klaten_sub, RegionSubmission.Status.SUBMITTED)
    page = login("jateng.biro").get(reverse("reporting:review_regions")).content.decode()
    assert "Kabupaten Klaten" in page or "KLATEN" in page.upper()
    assert "Kabupaten Ngawi" not in page


def test_reopen_after_the_period_closed_opens_entry_until_the_new_due_date(setup, cast):
    p, report, klaten_sub, _ = setup
    p.state, p.due_date = "closed", timezone.localdate() - dt.timedelta(days=10)
    p.save()
    dinkes = cast["klaten.dinkes"]
    assert locks.entry_lock_reason(Report.objects.get(pk=report.pk), dinkes)
    with pytest.raises(workflow.Refused):
        workflow.transition(report, "submit", dinkes)
    workflow.transition(
        klaten_sub, "reopen_region", cast["bangda.admin"], reason="Bencana banjir",
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )  # fmt: skip
    assert locks.entry_lock_reason(Report.objects.get(pk=report.pk), dinkes) is None
    assert workflow.transition(report, "submit", dinkes).obj.status == "submitted"


def test_review_pages_query_counts_are_bounded(setup, login, cast, django_assert_max_num_queries):
    p, report, klaten_sub, jateng_sub = setup
    workflow.transition(report, "submit", cast["klaten.dinkes"])
    tapem, biro = login("klaten.tapem"), login("jateng.biro")
    # A bounded count proves nothing of a page that failed early: each must answer 200 with
    # its content.
    with django_assert_max_num_queries(40):
        response = tapem.get(reverse("reporting:review_inbox"))
    assert response.status_code == 200 and report.service_type.code in response.content.decode()
    with django_assert_max_num_queries(60):
        response = tapem.get(reverse("reporting:report_review", args=[report.pk]))
    assert response.status_code == 200 and report.service_type.code in response.content.decode()
    with django_assert_max_num_queries(60):
        response = tapem.get(reverse("reporting:submission_detail", args=[klaten_sub.pk]))
    assert response.status_code == 200 and "Klaten" in response.content.decode()
    with django_assert_max_num_queries(30):
        response = biro.get(reverse("reporting:review_regions"))
    assert response.status_code == 200
    with django_assert_max_num_queries(40):
        response = biro.get(reverse("reporting:recap", args=[jateng_sub.pk]))
    assert response.status_code == 200 and "Klaten" in response.content.decode()
