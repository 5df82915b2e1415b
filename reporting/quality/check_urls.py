"""A report's data-quality flags: explanation (operator) and follow-up (verifier)."""

from django.urls import path

from reporting.quality import check_views as v

urlpatterns = [
    path(
        "<int:pk>/pemeriksaan/<int:check_pk>/penjelasan/",
        v.check_explain,
        name="check_explain",
    ),
    path(
        "<int:pk>/pemeriksaan/<int:check_pk>/diperiksa/",
        v.check_confirm,
        name="check_confirm",
    ),
]
