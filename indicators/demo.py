"""DEMO assignments and targets for the demo regions (idempotent; run by `seed_demo`).

Numbers are plausible and deterministic (derived from the region and service codes), and
every write goes through the same services as the pages, so the audit trail looks real.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

from django.db import transaction

from indicators import selectors, services
from indicators.models import Assignment, Sector, ServiceType, Target
from regions.demo import DEMO_REGIONS
from regions.models import Agency, Region, User
from reporting import workflow

DEMO_YEAR = 2026

SECTOR_AGENCY = {
    "DIK": "DINDIK",
    "KES": "DINKES",
    "PU": "DPUPR",
    "PKP": "DISPERKIM",
    "TRANTIB": "SATPOLPP",
    "SOS": "DINSOS",
}
CODE_AGENCY = {
    "K-TRANTIB-01": "SATPOLPP",
    "K-TRANTIB-02": "BPBD",
    "K-TRANTIB-03": "BPBD",
    "K-TRANTIB-04": "BPBD",
    "K-TRANTIB-05": "DAMKAR",
    "P-TRANTIB-01": "SATPOLPP",
}

# Yearly recipients of a typical kabupaten (~1.2 million people) or province.
BASE_RECIPIENTS = {
    "K-DIK-01": 30_000, "K-DIK-02": 180_000, "K-DIK-03": 2_500,
    "K-KES-01": 17_000, "K-KES-02": 16_200, "K-KES-03": 15_800, "K-KES-04": 75_000,
    "K-KES-05": 190_000, "K-KES-06": 780_000, "K-KES-07": 190_000, "K-KES-08": 250_000,
    "K-KES-09": 26_000, "K-KES-10": 2_200, "K-KES-11": 9_000, "K-KES-12": 24_000,
    "K-PU-01": 40_000, "K-PU-02": 60_000, "K-PKP-01": 300, "K-PKP-02": 120,
    "K-TRANTIB-01": 1_500, "K-TRANTIB-02": 300_000, "K-TRANTIB-03": 150_000,
    "K-TRANTIB-04": 2_000, "K-TRANTIB-05": 400,
    "K-SOS-01": 500, "K-SOS-02": 400, "K-SOS-03": 800, "K-SOS-04": 150, "K-SOS-05": 1_500,
    "P-DIK-01": 1_200_000, "P-DIK-02": 20_000, "P-KES-01": 50_000, "P-KES-02": 5_000,
    "P-PU-01": 100_000, "P-PU-02": 50_000, "P-PKP-01": 1_500, "P-PKP-02": 500,
    "P-TRANTIB-01": 5_000, "P-SOS-01": 200, "P-SOS-02": 300, "P-SOS-03": 250,
    "P-SOS-04": 150, "P-SOS-05": 8_000,
}  # fmt: skip

# Klaten shows the workflow: code → (status to leave it in, return reason)
KLATEN_WORKFLOW = {
    "K-KES-11": ("draft", ""),
    "K-KES-12": (
        "returned",
        "Target orang berisiko HIV di bawah estimasi Kemenkes; mohon sesuaikan.",
    ),
    "K-DIK-03": ("submitted", ""),
    "K-SOS-04": ("none", ""),
}


def _factor(*parts: str) -> float:
    """A deterministic number in [0.6, 1.4) from the given codes."""
    return 0.6 + (zlib.crc32("|".join(parts).encode()) % 800) / 1000


def agency_short_for(code: str) -> str:
    return CODE_AGENCY.get(code) or SECTOR_AGENCY[code.split("-")[1]]


def demo_input(region: Region, st: ServiceType) -> services.TargetInput:
    scale = 0.45 if region.level == "kota" else 1.0
    recipients = int(BASE_RECIPIENTS.get(st.code, 1000) * scale * _factor(region.code, st.code))
    quality: dict[str, Decimal | None] = {}
    for qi in st.quality_items.all():
        if not qi.has_quantity:
            continue
        if qi.kind == qi.Kind.STAFF:
            qty = max(1, recipients // 250)
        elif qi.unit in ("unit", "set", "dokumen", "peta", "pos", "kanal", "ruang"):
            qty = max(1, recipients // 500)
        else:
            qty = recipients
        quality[qi.code] = Decimal(qty)
    return services.TargetInput(recipients_target=recipients, quality=quality)


def _region_user(region: Region, prefix: str, suffix: str) -> User | None:
    return User.objects.filter(username=f"{prefix}.{suffix}").first()


@transaction.atomic
def seed() -> None:
    """Assignments of the demo regions and their targets for the demo year."""
    regions = {r.code: r for r in Region.objects.filter(code__in=DEMO_REGIONS)}
    sectors = {s.code: s for s in Sector.objects.all()}
    if not sectors or selectors.edition_for_year_or_none(DEMO_YEAR) is None:
        return  # the catalog is not loaded yet
    for code, prefix in DEMO_REGIONS.items():
        region = regions.get(code)
        if region is None:
            continue
        agencies = {a.short_name: a for a in Agency.objects.filter(region=region)}
        for short, agency in agencies.items():
            for sc, sshort in SECTOR_AGENCY.items():
                if sshort == short or (sc == "TRANTIB" and short in ("BPBD", "DAMKAR")):
                    sectors[sc].agencies.add(agency)
        types = list(
            selectors.service_types_for_region(region, DEMO_YEAR).prefetch_related("quality_items")
        )
        for st in types:
            responsible = agencies.get(agency_short_for(st.code))
            if responsible is not None:
                Assignment.objects.get_or_create(
                    region=region, service_code=st.code, defaults={"agency": responsible}
                )
        verifier = _region_user(region, prefix, "tapem" if region.is_kabkota else "biro")
        for st in types:
            _seed_target(region, prefix, st, verifier)


def _seed_target(region: Region, prefix: str, st: ServiceType, verifier: User | None) -> None:
    wanted, reason = ("verified", "")
    if region.code == "33.10":
        wanted, reason = KLATEN_WORKFLOW.get(st.code, ("verified", ""))
    if (
        wanted == "none"
        or Target.objects.filter(region=region, year=DEMO_YEAR, service_type=st).exists()
    ):
        return
    operator = _region_user(region, prefix, agency_short_for(st.code).lower())
    if operator is None or verifier is None:
        return
    target = services.save_target(
        operator, region, DEMO_YEAR, st, demo_input(region, st), version=None
    )
    if wanted == "draft":
        return
    # The demo's history tells nobody: its users find the bell as the story left it.
    workflow.transition(target, "submit", operator, expected_version=target.version, notify=False)
    target.refresh_from_db()
    if wanted == "verified":
        workflow.transition(
            target, "verify", verifier, expected_version=target.version, notify=False
        )
    elif wanted == "returned":
        workflow.transition(
            target,
            "return",
            verifier,
            reason=reason,
            expected_version=target.version,
            notify=False,
        )
