from django.urls import include, path

from clearpost.app import views
from clearpost.app.api.main import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("clearpost.app.accounts.urls")),
    path("patients/", include("clearpost.app.patients.urls")),
    path("audit/", include("clearpost.app.audit.urls")),
    path("staff/", include("clearpost.app.accounts.staff_urls")),
    path("settings/", include("clearpost.app.accounts.settings_urls")),
    path("authorizations/", include("clearpost.app.authorizations.urls")),
    path("media/", include("clearpost.app.media.urls")),
    path("posts/", include("clearpost.app.posts.urls")),
    path("", include("clearpost.app.posts.public_urls")),
    path("", include("clearpost.app.publishing.urls")),
    path("practice/", include("clearpost.app.practices.urls")),
    path("api/", api.urls),
    path("", include("clearpost.app.authorizations.public_urls")),
]
