from django.urls import path

from clearpost.app.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_new, name="new"),
    path("<str:public_id>/", views.patient_detail, name="detail"),
]
