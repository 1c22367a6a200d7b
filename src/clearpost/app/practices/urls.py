from django.urls import path

from clearpost.app.practices import views

app_name = "practice"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
]
