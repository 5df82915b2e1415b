"""DEMO action plans and Tim Penerapan SPM (``seed_demo`` only; every text says "demo").

2026: Klaten has a set plan (Perbup, with commitments for some services, its PDF) and a team;
Kota Serang only a draft plan; Ngawi and the others nothing, so the submission pages, the
recap and the dashboards show both sides. Written through the services, as the verifier.
Idempotent: a region whose plan or team of the year exists is left as it is.
"""

from __future__ import annotations

import datetime as dt
import io

from regions.models import Agency, Region, User
from reporting.demo import DEMO_PDF, DEMO_YEAR
from reporting.models import ActionPlan, SpmTeam, SpmTeamMember
from reporting.plans import services

NOTE = "(Data demo)"
KLATEN_COMMITMENTS = {
    "K-KES-01": (
        "Pemeriksaan kehamilan minimal 6 kali bagi seluruh ibu hamil di 34 Puskesmas.",
        1_250_000_000,
    ),
    "K-KES-04": ("Pemantauan pertumbuhan balita setiap bulan di seluruh Posyandu.", 850_000_000),
    "K-DIK-02": ("Pemenuhan guru kelas SD di sekolah yang kekurangan guru.", 2_400_000_000),
    "K-PU-01": ("Perluasan sambungan air minum perdesaan di 12 desa rawan air.", None),
    "K-SOS-05": ("Penyediaan logistik dan hunian sementara korban bencana.", 300_000_000),
}
# (name, position, agency short name or "", other unit, role)
KLATEN_MEMBERS = [
    ("Kepala Bappeda (demo)", "Kepala Bappeda", "", "Bappeda", SpmTeamMember.Role.VICE_CHAIR),
    (
        "Kabag Tata Pemerintahan (demo)",
        "Kepala Bagian Tata Pemerintahan",
        "",
        "Bagian Tata Pemerintahan Setda",
        SpmTeamMember.Role.SECRETARY,
    ),
    ("Kepala Dinas Kesehatan (demo)", "Kepala Dinas", "DINKES", "", SpmTeamMember.Role.COORDINATOR),
    ("Kepala Dinas Pendidikan (demo)", "Kepala Dinas", "DINDIK", "", SpmTeamMember.Role.MEMBER),
    ("Kepala Dinas PUPR (demo)", "Kepala Dinas", "DPUPR", "", SpmTeamMember.Role.MEMBER),
    ("Kepala Dinas Sosial (demo)", "Kepala Dinas", "DINSOS", "", SpmTeamMember.Role.MEMBER),
    ("Kepala Pelaksana BPBD (demo)", "Kepala Pelaksana", "BPBD", "", SpmTeamMember.Role.MEMBER),
]


def _pdf(name: str) -> services.Upload:
    return services.Upload(io.BytesIO(DEMO_PDF), name, len(DEMO_PDF))


def seed() -> None:
    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    regions = {r.code: r for r in Region.objects.filter(code__in=["33.10", "36.73"])}
    klaten, serang = regions.get("33.10"), regions.get("36.73")
    if klaten is not None and "klaten.tapem" in users:
        _klaten(klaten, users["klaten.tapem"])
    if serang is not None and "serang.tapem" in users:
        if not ActionPlan.objects.filter(region=serang, year=DEMO_YEAR).exists():
            services.save_action_plan(
                users["serang.tapem"],
                serang,
                DEMO_YEAR,
                services.PlanInput(
                    ActionPlan.Status.DRAFT,
                    title=f"Rancangan Rencana Aksi Penerapan SPM Kota Serang {DEMO_YEAR} {NOTE}",
                ),
                seen_version=0,
            )


def _klaten(klaten: Region, verifier: User) -> None:
    if not ActionPlan.objects.filter(region=klaten, year=DEMO_YEAR).exists():
        services.save_action_plan(
            verifier,
            klaten,
            DEMO_YEAR,
            services.PlanInput(
                ActionPlan.Status.SET,
                number=f"12 Tahun {DEMO_YEAR}",
                date=dt.date(DEMO_YEAR, 2, 16),
                title=f"Rencana Aksi Penerapan SPM Kabupaten Klaten Tahun {DEMO_YEAR} {NOTE}",
            ),
            [
                services.CommitmentInput(code, f"{text} {NOTE}", budget)
                for code, (text, budget) in KLATEN_COMMITMENTS.items()
            ],
            seen_version=0,
            upload=_pdf(f"perbup-rencana-aksi-spm-{DEMO_YEAR}-demo.pdf"),
        )
    if not SpmTeam.objects.filter(region=klaten, year=DEMO_YEAR).exists():
        agencies = {a.short_name: a.pk for a in Agency.objects.filter(region=klaten)}
        services.save_spm_team(
            verifier,
            klaten,
            DEMO_YEAR,
            services.TeamInput(
                f"100.3.3/45 Tahun {DEMO_YEAR}",
                dt.date(DEMO_YEAR, 1, 20),
                "Sekretaris Daerah Kabupaten Klaten (demo)",
                "Sekretaris Daerah",
            ),
            [
                services.MemberInput(name, position, role, agencies.get(short), unit)
                for name, position, short, unit, role in KLATEN_MEMBERS
                if not short or short in agencies
            ],
            seen_version=0,
            upload=_pdf(f"kepbup-tim-penerapan-spm-{DEMO_YEAR}-demo.pdf"),
        )
