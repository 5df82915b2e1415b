"""The demo cast: the same named people in `seed_demo`, the tests and the docs.

Everything here is DEMO data (users are flagged ``is_demo`` and the UI shows a banner);
it is never loaded by migrations, only by ``manage.py seed_demo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from regions.models import NATIONAL_CODE, Agency, Level, Membership, Region, User, service_levels_of
from regions.roles import Role

# (short name, name, sector codes) — the usual SPM agencies of a kabupaten/kota.
KABKOTA_AGENCIES = [
    ("DINDIK", "Dinas Pendidikan dan Kebudayaan", ["DIK"]),
    ("DINKES", "Dinas Kesehatan", ["KES"]),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", ["PU"]),
    ("DISPERKIM", "Dinas Perumahan Rakyat dan Kawasan Permukiman", ["PKP"]),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", ["TRANTIB"]),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", ["TRANTIB"]),
    ("DAMKAR", "Dinas Pemadam Kebakaran", ["TRANTIB"]),
    ("DINSOS", "Dinas Sosial", ["SOS"]),
]
# A province's six SPM agencies (as in Banten).
PROVINCE_AGENCIES = [
    ("DINDIK", "Dinas Pendidikan dan Kebudayaan", ["DIK"]),
    ("DINKES", "Dinas Kesehatan", ["KES"]),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", ["PU"]),
    ("DISPERKIM", "Dinas Perumahan Rakyat dan Kawasan Permukiman", ["PKP"]),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", ["TRANTIB"]),
    ("DINSOS", "Dinas Sosial", ["SOS"]),
]

# DKI Jakarta's province delivers the kab/kota services itself (no autonomous kab/kota):
# it also has the kab/kota disaster and fire agencies.
DKI_AGENCIES = [
    *PROVINCE_AGENCIES,
    ("BPBD", "Badan Penanggulangan Bencana Daerah", ["TRANTIB"]),
    ("DAMKAR", "Dinas Penanggulangan Kebakaran dan Penyelamatan", ["TRANTIB"]),
]

# region code → user prefix
DEMO_REGIONS = {
    "31": "dki",
    "33": "jateng",
    "33.10": "klaten",
    "35": "jatim",
    "35.21": "ngawi",
    "36": "banten",
    "36.73": "serang",
}


@dataclass(frozen=True)
class CastMember:
    username: str
    full_name: str
    grants: tuple[
        tuple[str, str, str | None, str], ...
    ]  # (role, region code, agency short, sector)


def _cast() -> list[CastMember]:
    cast: list[CastMember] = []
    names = {
        "klaten": "Kabupaten Klaten",
        "ngawi": "Kabupaten Ngawi",
        "serang": "Kota Serang",
        "jateng": "Provinsi Jawa Tengah",
        "jatim": "Provinsi Jawa Timur",
        "banten": "Provinsi Banten",
        "dki": "Provinsi DKI Jakarta",
    }
    for code, prefix in DEMO_REGIONS.items():
        is_province = "." not in code
        agencies = _agencies_of(code)
        for short, _agency_name, _sectors in agencies:
            cast.append(
                CastMember(
                    f"{prefix}.{short.lower()}",
                    f"Operator {short} {names[prefix]} (demo)",
                    ((Role.OPD_OPERATOR, code, short, ""),),
                )
            )
        if is_province:
            cast.append(
                CastMember(
                    f"{prefix}.biro",
                    f"Biro Pemerintahan {names[prefix]} (demo)",
                    ((Role.PROVINCE_REVIEWER, code, None, ""), (Role.VERIFIER, code, None, "")),
                )
            )
        else:
            cast.append(
                CastMember(
                    f"{prefix}.tapem",
                    f"Bagian Tata Pemerintahan {names[prefix]} (demo)",
                    ((Role.VERIFIER, code, None, ""),),
                )
            )
    cast += [
        CastMember(
            "klaten.kadinkes",
            "Kepala Dinas Kesehatan Klaten (demo)",
            ((Role.OPD_HEAD, "33.10", "DINKES", ""),),
        ),
        CastMember(
            "klaten.inspektorat",
            "Inspektorat Kabupaten Klaten (demo)",
            ((Role.AUDITOR, "33.10", None, ""),),
        ),
        CastMember(
            "bangda.admin",
            "Admin Ditjen Bina Bangda (demo)",
            ((Role.BANGDA_ADMIN, NATIONAL_CODE, None, ""),),
        ),
        CastMember(
            "kemenkes.viewer",
            "Pemantau Kementerian Kesehatan (demo)",
            ((Role.SECTOR_VIEWER, NATIONAL_CODE, None, "KES"),),
        ),
    ]
    return cast


def _agencies_of(code: str) -> list[tuple[str, str, list[str]]]:
    if "." in code:
        return KABKOTA_AGENCIES
    return (
        DKI_AGENCIES if "kabkota" in service_levels_of(code, Level.PROVINCE) else PROVINCE_AGENCIES
    )


def agency_specs(region: Region) -> list[tuple[str, str, list[str]]]:
    return _agencies_of(region.code)


@transaction.atomic
def seed_people(password: str | None = None) -> list[str]:
    """Agencies of the demo regions and the demo users; idempotent. Returns the usernames."""
    from indicators.models import Sector

    password = password or settings.DEMO_PASSWORD
    regions = {r.code: r for r in Region.objects.filter(code__in=[*DEMO_REGIONS, NATIONAL_CODE])}
    missing = {*DEMO_REGIONS, NATIONAL_CODE} - set(regions)
    if missing:
        raise RuntimeError(f"Muat daftar wilayah dulu (load_regions); tidak ada: {sorted(missing)}")
    sectors = {s.code: s for s in Sector.objects.all()}
    for code, prefix in DEMO_REGIONS.items():
        region = regions[code]
        if not region.contact_name:
            region.contact_name = f"Penanggung jawab data {region.name} (demo)"
            region.contact_position = (
                "Kepala Bagian Tata Pemerintahan"
                if region.is_kabkota
                else "Kepala Biro Pemerintahan"
            )
            region.contact_phone = "0800-0000-0000"
            region.contact_email = f"{prefix}@demo.espm.local"
            region.save()
        for short, name, sector_codes in agency_specs(region):
            agency, _ = Agency.objects.get_or_create(
                region=region,
                short_name=short,
                defaults={
                    "name": f"{name} {region.name}",
                    "contact_name": f"Operator data {short} (demo)",
                    "contact_position": "Pengelola data SPM",
                    "contact_phone": "0800-0000-0001",
                    "contact_email": f"{prefix}.{short.lower()}@demo.espm.local",
                },
            )
            for sc in sector_codes:
                if sc in sectors:
                    sectors[sc].agencies.add(agency)
    usernames = []
    hashed = make_password(password)  # hashing is slow by design: once for the whole cast
    for member in _cast():
        user, created = User.objects.get_or_create(
            username=member.username,
            defaults={
                "full_name": member.full_name,
                "is_demo": True,
                "password": hashed,
                "email": f"{member.username}@demo.espm.local",
            },
        )
        for role, region_code, agency_short, sector in member.grants:
            region = regions[region_code]
            member_agency = (
                Agency.objects.get(region=region, short_name=agency_short) if agency_short else None
            )
            Membership.objects.get_or_create(
                user=user, role=role, region=region, agency=member_agency, sector_code=sector
            )
        if member.username == "bangda.admin" and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        usernames.append(member.username)
    return usernames


# The cast shown by `make run` and used as "one user per role" by the isolation matrix.
KEY_USERS = [
    "klaten.dinkes",
    "klaten.dindik",
    "klaten.kadinkes",
    "klaten.tapem",
    "klaten.inspektorat",
    "ngawi.dinkes",
    "ngawi.tapem",
    "serang.tapem",
    "jateng.dinkes",
    "jateng.biro",
    "jatim.biro",
    "banten.biro",
    "bangda.admin",
    "kemenkes.viewer",
]
