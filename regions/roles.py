"""Role names, shared by the models and the scoping layer."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPD_OPERATOR = "opd_operator", _("Operator OPD")
    OPD_HEAD = "opd_head", _("Kepala OPD")
    VERIFIER = "verifier", _("Verifikator (Tapem/Biro Pemerintahan)")
    PROVINCE_REVIEWER = "province_reviewer", _("Reviewer Provinsi (Biro Pemerintahan)")
    BANGDA_ADMIN = "bangda_admin", _("Admin Bangda")
    SECTOR_VIEWER = "sector_viewer", _("Pemantau Kementerian Sektor")
    AUDITOR = "auditor", _("Auditor (Inspektorat)")


AGENCY_ROLES = frozenset({Role.OPD_OPERATOR, Role.OPD_HEAD})
NATIONAL_ROLES = frozenset({Role.BANGDA_ADMIN, Role.SECTOR_VIEWER})

# The ministry behind each SPM sector (PP 2/2018), named in a sector viewer's header and
# dashboard title: a health viewer works for the Ministry of Health, not for Kemendagri.
SECTOR_MINISTRIES: dict[str, tuple[Any, Any]] = {  # (sector, ministry), lazy
    "DIK": (_("Pendidikan"), _("Kementerian Pendidikan Dasar dan Menengah")),
    "KES": (_("Kesehatan"), _("Kementerian Kesehatan")),
    "PU": (_("Pekerjaan Umum"), _("Kementerian Pekerjaan Umum")),
    "PKP": (_("Perumahan Rakyat"), _("Kementerian Perumahan dan Kawasan Permukiman")),
    "TRANTIB": (
        _("Ketenteraman, Ketertiban Umum dan Pelindungan Masyarakat"),
        _("Kementerian Dalam Negeri (Ditjen Bina Administrasi Kewilayahan)"),
    ),
    "SOS": (_("Sosial"), _("Kementerian Sosial")),
}


def sector_place(sector_code: str) -> str:
    """ "Kementerian Kesehatan · bidang Kesehatan" (the code when the sector is unknown)."""
    if sector_code not in SECTOR_MINISTRIES:
        return str(_("bidang %(code)s") % {"code": sector_code})
    sector, ministry = SECTOR_MINISTRIES[sector_code]
    return str(_("%(ministry)s · bidang %(sector)s") % {"ministry": ministry, "sector": sector})
