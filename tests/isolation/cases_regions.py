"""Isolation cases of the regions area: home, role switcher, agencies (OPD) and people."""

from __future__ import annotations

from django.core import mail
from rest_framework.authtoken.models import Token

from regions.models import Agency, Membership, Region, User
from regions.services import agency_version, region_settings_version
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import Case

KLATEN = ("33.10", None, None)
# Who administers Klaten's agencies and people: its verifier and Bangda (not the province).
KLATEN_MANAGERS = {"klaten.tapem", "bangda.admin"}
# Who sees Klaten's people: its verifier, the auditors above it (Klaten's, Jawa Tengah's and the
# national one), Bangda.
KLATEN_PEOPLE = {
    "klaten.tapem",
    "klaten.inspektorat",
    "jateng.inspektorat",
    "itjen.auditor",
    "bangda.admin",
}


def _dinkes() -> Agency:
    return Agency.objects.get(region__code="33.10", short_name="DINKES")


def _agency_state(pk_of=_dinkes):
    return lambda: list(Agency.objects.filter(region__code="33.10").order_by("pk").values())


def _operator() -> User:
    return User.objects.get(username="klaten.dinkes")


def _people_state():
    return (
        list(
            User.objects.filter(username__startswith="klaten.")
            .order_by("pk")
            .values("pk", "is_active")
        ),
        list(
            Membership.objects.filter(region__code="33.10").order_by("pk").values("pk", "is_active")
        ),
    )


def _agency_post() -> dict:
    a = _dinkes()
    return {
        "name": a.name,
        "short_name": a.short_name,
        "sectors": [s.pk for s in a.sectors.all()],
        "contact_name": "Nama Baru",
        "contact_position": a.contact_position,
        "contact_phone": a.contact_phone,
        "contact_email": a.contact_email,
        "is_active": "on",
        "version": agency_version(a),
    }


CASES = [
    Case("home", allowed=EVERYONE),
    Case("switch_role", allowed=EVERYONE, method="post", data=lambda: {"membership": "0"}),
    Case("region_index", allowed=EVERYONE),
    Case(
        "region_edit",
        allowed=KLATEN_MANAGERS,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
    ),
    Case(
        "region_edit",
        allowed=KLATEN_MANAGERS,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
        method="post",
        label="save",
        data=lambda: {
            "contact_name": "Kabag Tapem Baru",
            "contact_email": "tapem@klatenkab.go.id",
            "requires_head_signoff": "on",
            "version": region_settings_version(Region.objects.get(code="33.10")),
        },
        snapshot=lambda: list(Region.objects.filter(code="33.10").values()),
        ok_status=frozenset({302}),
    ),
    Case(
        "agency_list",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
    ),
    Case(
        "agency_detail",
        allowed=viewers("33.10", "DINKES"),
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _dinkes().pk},
    ),
    # Another sector's agency: the health ministry viewer does not read its contacts.
    Case(
        "agency_detail",
        allowed=viewers("33.10", "DINDIK", "DIK"),
        owner=("33.10", "DINDIK", "DIK"),
        kwargs=lambda: {"pk": Agency.objects.get(region__code="33.10", short_name="DINDIK").pk},
        label="other-sector",
    ),
    Case(
        "agency_create",
        allowed=KLATEN_MANAGERS,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
    ),
    Case(
        "agency_create",
        allowed=KLATEN_MANAGERS,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
        method="post",
        label="create",
        data=lambda: {
            "name": "Dinas Baru Kabupaten Klaten",
            "short_name": "DINBARU",
            "contact_name": "Penanggung Jawab",
            "is_active": "on",
        },
        snapshot=_agency_state(),
        ok_status=frozenset({302}),
    ),
    Case(
        "agency_edit",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _dinkes().pk},
    ),
    Case(
        "agency_edit",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _dinkes().pk},
        method="post",
        label="save",
        data=_agency_post,
        snapshot=_agency_state(),
        ok_status=frozenset({302}),
    ),
    Case(
        "user_list",
        allowed=KLATEN_PEOPLE,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
    ),
    Case(
        "user_create",
        allowed=KLATEN_MANAGERS,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
    ),
    Case(
        "user_create",
        allowed=KLATEN_MANAGERS,
        owner=KLATEN,
        kwargs=lambda: {"code": "33.10"},
        method="post",
        label="invite",
        data=lambda: {
            "username": "klaten.dinkes2",
            "full_name": "Operator Kedua",
            "email": "dinkes2@example.go.id",
            "role": "opd_operator",
            "agency": _dinkes().pk,
        },
        snapshot=_people_state,
        ok_status=frozenset({302}),
    ),
    Case(
        "role_add",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"code": "33.10", "pk": _operator().pk},
    ),
    Case(
        "role_add",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"code": "33.10", "pk": _operator().pk},
        method="post",
        label="head",
        data=lambda: {"role": "opd_head", "agency": _dinkes().pk},
        snapshot=_people_state,
        ok_status=frozenset({302}),
    ),
    Case(
        "user_detail",
        allowed=KLATEN_PEOPLE,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _operator().pk},
    ),
    Case(
        "user_deactivate",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _operator().pk},
        method="post",
        snapshot=_people_state,
        ok_status=frozenset({302}),
    ),
    Case(
        "user_reinvite",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _operator().pk},
        method="post",
        snapshot=lambda: len(mail.outbox),
        ok_status=frozenset({302}),
    ),
    Case(
        "membership_toggle",
        allowed=KLATEN_MANAGERS,
        owner=("33.10", "DINKES", None),
        kwargs=lambda: {"pk": _operator().memberships.get().pk},
        method="post",
        snapshot=_people_state,
        ok_status=frozenset({302}),
    ),
]

# The user's own account page and token revocation: everyone signed in, only their own tokens.
CASES += [
    Case("account", allowed=EVERYONE),
    Case(
        "account_token_revoke",
        allowed={"klaten.dinkes"},  # the token's owner; anyone else's prefix lookup finds nothing
        method="post",
        kwargs=lambda: {"prefix": _operator_token().key[:8]},
        snapshot=lambda: sorted(
            Token.objects.filter(user=_operator()).values_list("key", flat=True)
        ),
    ),
]


def _operator_token() -> Token:
    token, _ = Token.objects.get_or_create(user=_operator())
    return token
