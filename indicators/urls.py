from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("layanan/<str:edition>/<str:code>/", views.service_type_detail, name="service_type"),
    path("nomenklatur/", views.nomenclature, name="nomenclature"),
    path("edisi/", views.edition_list, name="edition_list"),
    path("edisi/beda/", views.edition_diff, name="edition_diff"),
    path("edisi/<str:code>/salin/", views.edition_copy, name="edition_copy"),
    path("edisi/<str:code>/terbitkan/", views.edition_publish, name="edition_publish"),
    path("penugasan/<str:region>/", views.assignments, name="assignments"),
    path("target/", views.my_targets, name="my_targets"),
    path("target/<str:region>/<int:year>/", views.region_targets, name="region_targets"),
    path("target/<str:region>/<int:year>/lembar/", views.target_sheet, name="target_sheet"),
    path("target/<str:region>/<int:year>/unggah/", views.target_upload, name="target_upload"),
    path("target/<str:region>/<int:year>/<str:code>/", views.target_detail, name="target"),
    path(
        "target/<str:region>/<int:year>/<str:code>/ajukan/",
        views.target_submit,
        name="target_submit",
    ),
    path(
        "target/<str:region>/<int:year>/<str:code>/verifikasi/",
        views.target_verify,
        name="target_verify",
    ),
    path(
        "target/<str:region>/<int:year>/<str:code>/kembalikan/",
        views.target_return,
        name="target_return",
    ),
]
