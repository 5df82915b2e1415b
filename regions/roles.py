"""Role names, shared by the models and the scoping layer."""

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
