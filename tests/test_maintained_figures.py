"""The maintained dashboard figures (``reporting.figures``): kept by every write, rebuilt equal.

``RegionFigure`` and ``ServiceFigure`` are kept by database triggers in the transaction of
each write. Here: their rows by hand for a few reports and each kind of change (budget lines
too, through the report's trigger-kept sums); a random sequence of section saves, budget line
edits, workflow steps, imports, region reopenings and bulk updates after
which (after every step) the maintained rows are exactly what ``rebuild`` computes; the
dashboards read from them equal to the same dashboards computed from the reports; and the
``rebuild_figures`` command. Runs on PostgreSQL and on SQLite (the embedded default).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import load_workbook

from regions import scoping
from regions.models import Membership, Region, User
from regions.roles import Role
from reporting import workflow
from reporting.dashboards import selectors
from reporting.entry import services as entry
from reporting.figures import services as figures
from reporting.imports import services as importer
from reporting.models import BudgetLine, RegionFigure, Report, ReportStage, ServiceFigure, Stage
from tests import factories_review as f
from tests import factories_targets as targets
from tests.factories_dashboard import PeriodFactory, catalog, report

OPDS = ("DINKES", "DINDIK")


def region_rows(period) -> set[tuple]:
    return {
        (r.region.code, r.sector.code, r.status, r.entered, r.counted, r.total)
        for r in RegionFigure.objects.filter(period=period).select_related("region", "sector")
    }


def budget_rows(period) -> set[tuple]:
    """(region, sector, status, entered, counted, allocated, realised, reports with a line)."""
    return {
        (r.region.code, r.sector.code, r.status, r.entered, r.counted)
        + (r.allocated, r.realised, r.budgeted)
        for r in RegionFigure.objects.filter(period=period).select_related("region", "sector")
    }


def line(report, allocated: int, realised: int) -> BudgetLine:
    return BudgetLine.objects.create(
        report=report,
        activity_code="1.02.02",
        activity_name="Pemenuhan upaya kesehatan",
        allocated=allocated,
        realised=realised,
    )


def service_rows(period, province: str = "33") -> set[tuple]:
    """The rows of one province ('' : the whole nation's), with the province code '33' kept."""
    return {
        ("33" if r.province_code == "" else r.province_code, r.service_type.code, r.status)
        + (r.band, r.counted, r.total)
        for r in ServiceFigure.objects.filter(period=period, province_code=province).select_related(
            "service_type"
        )
    }


# ----------------------------------------------------------------------------- installed


@pytest.mark.django_db
def test_every_trigger_is_installed_by_the_migrations():
    """On both engines. A later migration that remakes ``reporting_report`` on SQLite (as an
    ``AddField`` or ``AlterField`` there does) drops its triggers: it fails here unless it
    installs them again, as 0019 does."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
            )
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        installed = set(cursor.fetchall())
    assert {
        ("reporting_report", "reporting_figures_ins"),
        ("reporting_report", "reporting_figures_upd"),
        ("reporting_report", "reporting_figures_del"),
        ("reporting_budgetline", "reporting_budget_ins"),
        ("reporting_budgetline", "reporting_budget_upd"),
        ("reporting_budgetline", "reporting_budget_del"),
    } <= installed


# ----------------------------------------------------------------------------- by hand


@pytest.mark.django_db
def test_rows_by_hand_for_each_kind_of_change():
    st = catalog()
    p = PeriodFactory(quarter=2)
    dik = report("33.10", st["K-DIK-01"], p, "60")
    kes = report("33.10", st["K-KES-01"], p, "80")
    report("33.10", st["K-KES-02"], p, "70", status=Report.Status.SUBMITTED)
    report("33.11", st["K-KES-01"], p, None)  # entered, no index: counts as entered only
    report("33.11", st["K-KES-02"], p, None, entered=False)  # neither: no row at all
    report("33", st["P-DIK-01"], p, "100")
    assert region_rows(p) == {
        ("33.10", "DIK", "verified", 1, 1, D("60")),
        ("33.10", "KES", "verified", 1, 1, D("80")),
        ("33.10", "KES", "submitted", 1, 1, D("70")),
        ("33.11", "KES", "verified", 1, 0, D("0")),
        ("33", "DIK", "verified", 1, 1, D("100")),
    }
    # Klaten (33.10), Sukoharjo (33.11) and Jawa Tengah (33) are all in province 33.
    # Bands (SPM.md): 60 ≤ Muda < 70 ≤ Pratama < 80 ≤ Madya < 90 ≤ Utama < 100 = Paripurna.
    assert service_rows(p) == {
        ("33", "K-DIK-01", "verified", "Tuntas Muda", 1, D("60")),
        ("33", "K-KES-01", "verified", "Tuntas Madya", 1, D("80")),
        ("33", "K-KES-02", "submitted", "Tuntas Pratama", 1, D("70")),
        ("33", "P-DIK-01", "verified", "Tuntas Paripurna", 1, D("100")),
    }
    # Every report is in the province 33: the nation's rows (province '') are the same.
    assert service_rows(p, "") == service_rows(p)

    # A second report in the same row adds to it; a new index moves the sum.
    report("33.10", st["K-DIK-01"], PeriodFactory(quarter=3), "50")  # another period: apart
    kes.capaian_index, kes.band = D("90"), "Tuntas Utama"
    kes.save()
    assert ("33.10", "KES", "verified", 1, 1, D("90")) in region_rows(p)
    assert ("33", "K-KES-01", "verified", "Tuntas Utama", 1, D("90")) in service_rows(p)
    assert not any(r[1] == "K-KES-01" and r[3] == "Tuntas Madya" for r in service_rows(p))

    # A status change moves the report to the other status's row; the emptied row goes.
    Report.objects.filter(pk=kes.pk).update(status=Report.Status.RETURNED)
    rows = region_rows(p)
    assert ("33.10", "KES", "returned", 1, 1, D("90")) in rows
    assert not any(r[:3] == ("33.10", "KES", "verified") for r in rows)

    # Losing the index keeps the report as entered; a deletion takes it away entirely.
    Report.objects.filter(pk=dik.pk).update(capaian_index=None, band="")
    assert ("33.10", "DIK", "verified", 1, 0, D("0")) in region_rows(p)
    assert not any(r[1] == "K-DIK-01" for r in service_rows(p))
    Report.objects.filter(pk=dik.pk).delete()
    assert not any(r[:2] == ("33.10", "DIK") for r in region_rows(p))

    # A change no figure reads (a note, the version) leaves every row as it was.
    before = (region_rows(p), service_rows(p))
    Report.objects.filter(period=p).update(problems="catatan", version=7)
    assert (region_rows(p), service_rows(p)) == before


@pytest.mark.django_db
def test_budget_rows_by_hand_for_each_kind_of_change():
    st = catalog()
    p = PeriodFactory(quarter=2)
    dik = report("33.10", st["K-DIK-01"], p, "60")
    kes = report("33.10", st["K-KES-01"], p, "80")
    kes2 = report("33.10", st["K-KES-02"], p, "70", status=Report.Status.SUBMITTED)
    bare = report("33.11", st["K-KES-01"], p, None, entered=False)  # no row until a line
    assert budget_rows(p) == {
        ("33.10", "DIK", "verified", 1, 1, 0, 0, 0),
        ("33.10", "KES", "verified", 1, 1, 0, 0, 0),
        ("33.10", "KES", "submitted", 1, 1, 0, 0, 0),
    }
    first = line(dik, 100, 40)
    line(dik, 50, 10)
    line(kes, 200, 200)
    line(kes2, 70, 0)
    # Two lines of one report in one statement: the report counts once.
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(report=bare, activity_code="a", activity_name="A", allocated=30),
            BudgetLine(report=bare, activity_code="b", activity_name="B", allocated=5, realised=5),
        ]
    )
    assert budget_rows(p) == {
        ("33.10", "DIK", "verified", 1, 1, 150, 50, 1),  # 100 + 50, 40 + 10, one report
        ("33.10", "KES", "verified", 1, 1, 200, 200, 1),
        ("33.10", "KES", "submitted", 1, 1, 70, 0, 1),
        ("33.11", "KES", "verified", 0, 0, 35, 5, 1),  # neither entered nor indexed: budget only
    }
    assert Report.objects.values_list("budget_allocated", "budget_realised").get(pk=dik.pk) == (
        150,
        50,
    )

    # An edited line moves the sums by its difference; a moved status takes the budget along.
    first.allocated, first.realised = 120, 60
    first.save()
    Report.objects.filter(pk=kes2.pk).update(status=Report.Status.VERIFIED)
    rows = budget_rows(p)
    assert ("33.10", "DIK", "verified", 1, 1, 170, 70, 1) in rows
    assert ("33.10", "KES", "verified", 2, 2, 270, 200, 2) in rows
    assert not any(r[:3] == ("33.10", "KES", "submitted") for r in rows)

    # An instance loaded before a line was added does not write its old sums back.
    stale = Report.objects.get(pk=kes.pk)
    line(kes, 1000, 0)
    stale.problems = "catatan"
    stale.save()
    assert ("33.10", "KES", "verified", 2, 2, 1270, 200, 2) in budget_rows(p)
    # Nor does one loaded with only some fields; what it changed is saved.
    partial = Report.objects.only("pk", "problems").get(pk=kes.pk)
    partial.problems = "catatan kedua"
    partial.save()
    assert Report.objects.values_list("problems", "budget_allocated").get(pk=kes.pk) == (
        "catatan kedua",
        1200,
    )

    # Deleting a report's last line takes the report out of the count; a row left with nothing
    # (neither entered, indexed nor budgeted) goes.
    BudgetLine.objects.filter(report=dik).delete()
    assert ("33.10", "DIK", "verified", 1, 1, 0, 0, 0) in budget_rows(p)
    BudgetLine.objects.filter(report=bare).delete()
    assert not any(r[0] == "33.11" for r in budget_rows(p))
    # Deleting a report with lines (its lines go first) leaves no trace of either.
    Report.objects.filter(pk=kes2.pk).delete()
    assert ("33.10", "KES", "verified", 1, 1, 1200, 200, 1) in budget_rows(p)
    assert figures.check() == {"reports": (0, 0), "region": (0, 0), "service": (0, 0)}


# ----------------------------------------------------------------------------- random writes


@pytest.fixture
def chain(db, cast):
    """Klaten in an open 2027 TW I: every report filled, verified targets, the region open."""
    p = f.period(2027, 1)
    klaten = Region.objects.get(code="33.10")
    sub = f.verified_region(klaten, p)
    targets.verified_targets(klaten, p.year)
    # The two OPDs the steps act for start with their reports as drafts, the others verified.
    for r in Report.objects.filter(region=klaten, period=p, agency__short_name__in=OPDS):
        f.set_status(r, Report.Status.DRAFT)
        for stage in Stage.values:  # as opening a period makes them (the workbook has all four)
            ReportStage.objects.get_or_create(report=r, stage=stage)
    return p, klaten, sub


def _workbook_with(user, region, period, code: str, served: int) -> io.BytesIO:
    wb = load_workbook(io.BytesIO(importer.build_workbook(user, region, period)))
    ws = wb["Layanan"]
    header = [c.value for c in ws[1]]
    code_col, served_col = header.index("kode_layanan") + 1, header.index("penerima_terlayani") + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=code_col).value == code:
            ws.cell(row=row, column=served_col).value = served
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _random_step(rng: random.Random, cast, p, klaten, sub) -> str:
    """One write of the kinds the app makes; refusals (a locked or stale report) are fine."""
    reports = list(
        Report.objects.filter(region=klaten, period=p, agency__short_name__in=OPDS)
        .select_related("agency", "service_type")
        .order_by("pk")
    )
    r = rng.choice(reports)
    operator = cast["klaten.dinkes" if r.agency.short_name == "DINKES" else "klaten.dindik"]
    verifier = cast["klaten.tapem"]
    kind = rng.choice(
        [
            "save",
            "save",
            "clear",
            "submit",
            "verify",
            "return",
            "reopen",
            "import",
            "region",
            "bulk",
            "line",
            "line",
            "unline",
        ]
    )
    try:
        if kind == "save":
            entry.save_recipients(
                r.pk, operator, r.version, served=rng.randint(0, 150), breakdown={}
            )
        elif kind == "clear":  # no served figure: the report is incomplete, its index goes
            entry.save_recipients(r.pk, operator, r.version, served=None, breakdown={})
        elif kind == "submit":
            workflow.transition(r, kind, operator)
        elif kind == "verify":
            workflow.transition(r, kind, verifier)
        elif kind in ("return", "reopen"):
            workflow.transition(r, kind, verifier, reason="Periksa kembali")
        elif kind == "line":  # a new budget line or a changed one
            existing = list(r.budget_lines.values_list("pk", flat=True))
            entry.save_budget_line(
                r.pk,
                operator,
                r.version,
                rng.choice([None, *existing]),
                {
                    "activity_code": "1.02.02",
                    "activity_name": "Kegiatan uji",
                    "allocated": rng.randint(0, 900),
                    "realised": rng.randint(0, 900),
                },
            )
        elif kind == "unline":
            existing = list(r.budget_lines.values_list("pk", flat=True))
            if not existing:
                return "unline: no line"
            entry.delete_budget_line(r.pk, operator, r.version, rng.choice(existing))
        elif kind == "import":
            upload = _workbook_with(operator, klaten, p, r.service_type.code, rng.randint(1, 150))
            importer.commit(operator, klaten, p, upload)
        elif kind == "region":
            sub.refresh_from_db()
            due = p.due_date + dt.timedelta(days=rng.randint(1, 20))
            workflow.transition(
                sub, "reopen_region", cast["bangda.admin"], reason="Koreksi", due_date=due
            )
        else:  # a bulk update outside every service (an admin action, a script)
            same_sector = Report.objects.filter(
                region=klaten, period=p, service_type__sector=r.service_type.sector
            )
            same_sector.update(status=rng.choice([Report.Status.VERIFIED, Report.Status.DRAFT]))
    except (workflow.TransitionError, entry.EntryError, importer.WorkbookError) as exc:
        return f"{kind} refused: {exc}"
    return kind


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rebuilt_equals_maintained_after_every_step_of_random_writes(chain, cast, seed):
    p, klaten, sub = chain
    rng = random.Random(seed)
    done: list[str] = []
    same = {"reports": (0, 0), "region": (0, 0), "service": (0, 0)}
    assert figures.check() == same
    for _ in range(40):
        done.append(_random_step(rng, cast, p, klaten, sub))
        assert figures.check() == same, done
    # The sequence really wrote: data entry and workflow steps went through, not only refusals.
    went_through = {step for step in done if "refused" not in step}
    assert went_through & {"save", "clear", "import"}, done
    assert went_through & {"line", "unline"}, done
    assert went_through & {"submit", "verify", "return", "reopen", "region"}, done
    assert len(went_through) >= 5, done
    assert RegionFigure.objects.filter(period=p, region=klaten).exists()


# ----------------------------------------------------------------------------- same figures


def _figures_off(monkeypatch):
    """The dashboards as computed from the reports (what the maintained rows replace)."""
    monkeypatch.setattr(selectors, "reads_regions_whole", lambda user: False)


def _national(user, **kw):
    dash = selectors.national_dashboard(user, 2027, 1, **kw)
    return (
        [r.as_dict() | {"entered": r.entered} for r in dash.ranking],
        [r.as_dict() for r in dash.sectors],
        [r.as_dict() for r in dash.service_types],
        [b.as_dict() for b in dash.bands],
        [s.as_dict() for s in dash.status],
        dataclasses.asdict(dash.budget),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("provisional", [False, True])
@pytest.mark.parametrize(
    "username, province",
    [
        ("bangda.admin", None),
        ("bangda.admin", "33"),
        ("jateng.biro", "33"),
        ("kemenkes.viewer", None),
    ],
)
def test_dashboards_from_maintained_rows_equal_those_from_the_reports(
    chain, cast, monkeypatch, username, province, provisional
):
    p, klaten, sub = chain
    rng = random.Random(7)
    for _ in range(12):
        _random_step(rng, cast, p, klaten, sub)
    user = cast[username]
    prov = Region.objects.get(code=province) if province else None
    scope = selectors.scope_for(user, province=prov)
    assert scope.figures and scope.whole  # these users read the maintained rows
    maintained = _national(user, province=prov, provisional=provisional)
    region = dataclasses.astuple(
        selectors.region_dashboard(cast["klaten.tapem"], klaten, 2027, 1, provisional=provisional)
    )
    _figures_off(monkeypatch)
    assert not selectors.scope_for(user, province=prov).figures
    assert _national(user, province=prov, provisional=provisional) == maintained
    assert (
        dataclasses.astuple(
            selectors.region_dashboard(
                cast["klaten.tapem"], klaten, 2027, 1, provisional=provisional
            )
        )
        == region
    )
    # Not vacuous: Klaten is entered, and its complete reports count (all of them provisionally).
    klaten_row = next(row for row in maintained[0] if row["code"] == "33.10")
    assert klaten_row["entered"]
    if provisional or username != "kemenkes.viewer":  # the viewer's KES reports are drafts
        assert klaten_row["reported"]
    if provisional:  # the random steps added budget lines to the drafts
        assert maintained[-1]["allocated"] > 0


@pytest.mark.django_db
def test_an_opd_user_reads_its_agency_part_from_the_reports(cast):
    """An OPD role opens only its agency's reports: never the whole region's maintained rows."""
    klaten = Region.objects.get(code="33.10")
    scope = selectors.scope_for(cast["klaten.dinkes"], region=klaten)
    assert not scope.figures and not scope.whole
    tapem = selectors.scope_for(cast["klaten.tapem"], region=klaten)
    assert tapem.figures and not tapem.whole  # one region: no per-province service rows
    jateng = Region.objects.get(code="33")
    assert selectors.scope_for(cast["jateng.biro"], province=jateng).whole
    assert not selectors.scope_for(cast["klaten.tapem"], province=jateng).whole


@pytest.mark.django_db
def test_a_sector_viewer_with_another_role_reads_from_the_reports(chain, cast):
    """KES everywhere and Klaten whole: no maintained row holds exactly that, so no leak of the
    other sectors' figures of other regions, and the same figures as computed from reports."""
    p, klaten, _sub = chain
    user = User.objects.create(username="uji.campuran")
    national = Region.objects.get(code="00")
    Membership.objects.create(
        user=user, role=Role.SECTOR_VIEWER, region=national, sector_code="KES"
    )
    Membership.objects.create(user=user, role=Role.VERIFIER, region=klaten)
    user = User.objects.get(pk=user.pk)
    scope = selectors.scope_for(user)
    assert scope.sectors is None and not scope.figures and not scope.whole
    assert scoping.reads_regions_whole(cast["kemenkes.viewer"])
    assert not scoping.reads_regions_whole(cast["klaten.dinkes"])
    assert not scoping.reads_regions_whole(AnonymousUser())
    # A verified DIK report of Sukoharjo: not this user's to read, not in its figures.
    st = Report.objects.filter(region=klaten, period=p, service_type__sector__code="DIK").first()
    Report.objects.create(
        region=Region.objects.get(code="33.11"), period=p, service_type=st.service_type,
        status=Report.Status.VERIFIED, capaian_index=D("88"), band="Tuntas Madya",
        entered_at=st.entered_at,
    )  # fmt: skip
    dash = selectors.national_dashboard(user, 2027, 1)
    sukoharjo = next(r for r in dash.ranking if r.key == "33.11")
    assert (sukoharjo.reported, sukoharjo.entered) == (0, False)
    assert next(r for r in dash.ranking if r.key == "33.10").reported > 0


# ----------------------------------------------------------------------------- the command


@pytest.mark.django_db
def test_rebuild_command_finds_and_repairs_a_drifted_table():
    st = catalog()
    p = PeriodFactory(quarter=2)
    report("33.10", st["K-DIK-01"], p, "60")
    report("33", st["P-DIK-01"], p, "100")
    good = (region_rows(p), service_rows(p))
    out = io.StringIO()
    call_command("rebuild_figures", "--check", stdout=out)
    assert "sama dengan hitung ulang" in out.getvalue()

    RegionFigure.objects.filter(period=p, region__code="33.10").update(total=D("1"))
    ServiceFigure.objects.filter(period=p, province_code="33").delete()
    with pytest.raises(CommandError, match="berbeda"):
        call_command("rebuild_figures", "--check", stdout=(out := io.StringIO()))
    assert "region: 1 baris berlebih, 1 baris kurang" in out.getvalue()
    assert "service: 0 baris berlebih, 2 baris kurang" in out.getvalue()
    assert (region_rows(p), service_rows(p)) != good  # --check changed nothing

    call_command("rebuild_figures", stdout=(out := io.StringIO()))
    assert "dihitung ulang" in out.getvalue()
    assert (region_rows(p), service_rows(p)) == good


@pytest.mark.django_db
def test_rebuild_command_repairs_a_reports_budget_sums():
    st = catalog()
    p = PeriodFactory(quarter=2)
    dik = report("33.10", st["K-DIK-01"], p, "60")
    line(dik, 100, 40)
    good = budget_rows(p)
    assert ("33.10", "DIK", "verified", 1, 1, 100, 40, 1) in good
    # A script writing the trigger-kept sums themselves: the report and its row drift apart
    # from the lines.
    Report.objects.filter(pk=dik.pk).update(budget_allocated=7, budget_line_count=3)
    with pytest.raises(CommandError, match="berbeda"):
        call_command("rebuild_figures", "--check", stdout=(out := io.StringIO()))
    assert "laporan dengan jumlah anggaran tidak sesuai baris: 1" in out.getvalue()
    call_command("rebuild_figures", stdout=io.StringIO())
    assert budget_rows(p) == good
    assert Report.objects.values_list(
        "budget_allocated", "budget_realised", "budget_line_count"
    ).get(pk=dik.pk) == (100, 40, 1)
