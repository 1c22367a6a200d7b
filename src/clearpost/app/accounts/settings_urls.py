from django.urls import path

from clearpost.app.accounts import staff_views

app_name = "settings"
urlpatterns = [
    path("tokens/", staff_views.tokens, name="tokens"),
    path("tokens/<str:public_id>/revoke/", staff_views.token_revoke, name="token_revoke"),
]
