from django.urls import path

from regions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("peran/ganti/", views.switch_role, name="switch_role"),
    path("wilayah/", views.region_index, name="region_index"),
    path("wilayah/<str:code>/ubah/", views.region_edit, name="region_edit"),
    path("wilayah/<str:code>/perangkat-daerah/", views.agency_list, name="agency_list"),
    path("wilayah/<str:code>/perangkat-daerah/baru/", views.agency_create, name="agency_create"),
    path("perangkat-daerah/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("perangkat-daerah/<int:pk>/ubah/", views.agency_edit, name="agency_edit"),
    path("wilayah/<str:code>/pengguna/", views.user_list, name="user_list"),
    path("wilayah/<str:code>/pengguna/baru/", views.user_create, name="user_create"),
    path("wilayah/<str:code>/pengguna/<int:pk>/peran/baru/", views.role_add, name="role_add"),
    path("pengguna/<int:pk>/", views.user_detail, name="user_detail"),
    path("pengguna/<int:pk>/nonaktifkan/", views.user_deactivate, name="user_deactivate"),
    path("pengguna/<int:pk>/undang-ulang/", views.user_reinvite, name="user_reinvite"),
    path("peran/<int:pk>/aktif/", views.membership_toggle, name="membership_toggle"),
    path("akun/", views.account, name="account"),
    path("akun/token/<str:prefix>/cabut/", views.account_token_revoke, name="account_token_revoke"),
]
