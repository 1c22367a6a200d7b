from django.urls import path

from clearpost.app.authorizations import views

app_name = "authorizations"
urlpatterns = [
    path("", views.authorization_list, name="list"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("new/<str:patient_id>/", views.prepare, name="prepare"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/kiosk/", views.open_kiosk, name="open_kiosk"),
    path("<str:public_id>/copy.pdf", views.copy_pdf, name="copy_pdf"),
    path("<str:public_id>/email/", views.email_copy, name="email_copy"),
    path("<str:public_id>/revoke/", views.revoke, name="revoke"),
    path("<str:public_id>/check/", views.check, name="check"),
    path("<str:public_id>/expiry-event/", views.expiry_event, name="expiry_event"),
]
