from django.urls import path

from clearpost.app.accounts import staff_views

app_name = "staff"
urlpatterns = [
    path("", staff_views.staff_list, name="list"),
    path("new/", staff_views.staff_new, name="new"),
    path("<str:public_id>/", staff_views.staff_detail, name="detail"),
    path("<str:public_id>/deactivate/", staff_views.staff_deactivate, name="deactivate"),
]
