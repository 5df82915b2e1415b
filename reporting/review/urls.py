"""The review chain: inboxes, report review and steps, region submissions, recap, notifications."""

from django.urls import path

from reporting.review import views as v

urlpatterns = [
    path("verifikasi/", v.review_inbox, name="review_inbox"),
    path("verifikasi/massal/", v.review_bulk_verify, name="review_bulk_verify"),
    path("pengajuan/", v.review_regions, name="review_regions"),
    path("<int:pk>/tinjau/", v.report_review, name="report_review"),
    path("<int:pk>/alur/<slug:action>/", v.report_transition, name="report_transition"),
    path("<int:pk>/catatan/<slug:section>/", v.review_note, name="review_note"),
    path("pengajuan/<int:pk>/", v.submission_detail, name="submission_detail"),
    path(
        "pengajuan/<int:pk>/alur/<slug:action>/",
        v.submission_transition,
        name="submission_transition",
    ),
    path("pengajuan/<int:pk>/rekap/", v.recap_view, name="recap"),
    path("pengajuan/<int:pk>/rekap.xlsx", v.recap_xlsx, name="recap_xlsx"),
    path("pengajuan/<int:pk>/rekap/pdf/", v.recap_pdf, name="recap_pdf"),  # POST: a job
    path("notifikasi/", v.notification_list, name="notifications"),
    path("notifikasi/baca/", v.notifications_read, name="notifications_read"),
    path("notifikasi/lonceng/", v.notifications_bell, name="notifications_bell"),
]
