"""The region's action plan and Tim Penerapan SPM, per region and year."""

from django.urls import path

from reporting.plans import views as v

urlpatterns = [
    path("wilayah/<str:code>/rencana-aksi/<int:year>/", v.action_plan, name="action_plan"),
    path(
        "wilayah/<str:code>/rencana-aksi/<int:year>/ubah/",
        v.action_plan_edit,
        name="action_plan_edit",
    ),
    path(
        "wilayah/<str:code>/rencana-aksi/<int:year>/berkas/",
        v.action_plan_file,
        name="action_plan_file",
    ),
    path("wilayah/<str:code>/tim-spm/<int:year>/", v.spm_team, name="spm_team"),
    path("wilayah/<str:code>/tim-spm/<int:year>/ubah/", v.spm_team_edit, name="spm_team_edit"),
    path("wilayah/<str:code>/tim-spm/<int:year>/berkas/", v.spm_team_file, name="spm_team_file"),
]
