"""The two pages a patient reaches without a staff login: the kiosk and the revoke link."""

from django.urls import path

from clearpost.app.authorizations import views

app_name = "kiosk"
urlpatterns = [
    path("kiosk/done/", views.kiosk_done, name="done"),
    path("kiosk/copy.pdf", views.kiosk_copy, name="copy"),
    path("kiosk/finished/", views.kiosk_finish, name="finished"),
    path("kiosk/<str:token>/", views.kiosk_sign, name="sign"),
    path("r/<str:token>/", views.revoke_link, name="revoke"),
]
