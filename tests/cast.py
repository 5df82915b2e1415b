"""The awkward users the demo cast lacks, added to the test database only (never to the demo).

The demo cast holds one ordinary user per role. The scoping layer and the review chain have
rules that only an unusual user exercises: grants in two regions OR-ed, an auditor above a
kab/kota (province, national), a superuser without any membership, a membership that was
withdrawn. Each is here, named after what is awkward about it, and the isolation matrix
(tests/isolation/expect.py) holds each of them to the rules of regions/scoping.py.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password

from regions.models import NATIONAL_CODE, Agency, Membership, Region, User
from regions.roles import Role

# username → [(role, region code, agency short, sector, membership active)]
AWKWARD_GRANTS: dict[str, list[tuple[str, str, str | None, str, bool]]] = {
    # Verifier of Kota Serang and operator of Ngawi's health agency: two regions, OR-ed.
    "serang.ngawi": [
        (Role.VERIFIER, "36.73", None, "", True),
        (Role.OPD_OPERATOR, "35.21", "DINKES", "", True),
    ],
    # The province inspectorate of Jawa Tengah: views the province and its kab/kota.
    "jateng.inspektorat": [(Role.AUDITOR, "33", None, "", True)],
    # The national inspectorate: views every region, changes nothing.
    "itjen.auditor": [(Role.AUDITOR, NATIONAL_CODE, None, "", True)],
    # Superuser with no membership at all: sees and changes everything (Django's flag).
    "root.super": [],
    # A Kota Serang operator whose membership was withdrawn: grants nothing.
    "serang.mantan": [(Role.OPD_OPERATOR, "36.73", "DINKES", "", False)],
}
AWKWARD_USERS = list(AWKWARD_GRANTS)


def seed_awkward_cast() -> None:
    """Idempotent: the users and memberships above (the demo's password, hashed once)."""
    hashed = make_password(settings.DEMO_PASSWORD)
    for username, grants in AWKWARD_GRANTS.items():
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": f"Pengguna uji {username}",
                "password": hashed,
                "email": f"{username}@uji.espm.local",
                "is_superuser": username == "root.super",
                "is_staff": username == "root.super",
            },
        )
        for role, code, agency_short, sector, active in grants:
            region = Region.objects.get(code=code)
            agency = (
                Agency.objects.get(region=region, short_name=agency_short) if agency_short else None
            )
            Membership.objects.update_or_create(
                user=user,
                role=role,
                region=region,
                agency=agency,
                sector_code=sector,
                defaults={"is_active": active},
            )


def is_seeded() -> bool:
    return User.objects.filter(username__in=AWKWARD_USERS).count() == len(AWKWARD_USERS)
