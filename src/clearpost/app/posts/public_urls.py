"""The patient's preview link: no staff login (its own single-use token)."""

from django.urls import path

from clearpost.app.posts import views_public

app_name = "patient_preview"
urlpatterns = [
    path("p/<str:token>/", views_public.page, name="page"),
    path("p/<str:token>/m/<str:public_id>/", views_public.media, name="media"),
]
