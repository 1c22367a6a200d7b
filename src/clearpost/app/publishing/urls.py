from django.urls import path

from clearpost.app.publishing import media_links, views

app_name = "publishing"

urlpatterns = [
    # Public: the extension is part of the address (Instagram wants file-like media URLs).
    path("p/m/<str:token>.<str:ext>", media_links.serve, name="media"),
    path("publishing/accounts/", views.accounts_page, name="accounts"),
    path("publishing/accounts/connect/<str:platform>/", views.connect, name="connect"),
    path("publishing/accounts/callback/<str:platform>/", views.callback, name="callback"),
    path("publishing/accounts/<str:public_id>/disconnect/", views.disconnect, name="disconnect"),
    path("publishing/takedowns/", views.takedowns_page, name="takedowns"),
    path("publishing/takedowns/<str:public_id>/done/", views.takedown_done, name="takedown_done"),
    path("publishing/posts/<str:post_id>/", views.post_publications, name="post"),
    path("publishing/inbox/", views.inbox_page, name="inbox"),
    path("publishing/inbox/settings/", views.inbox_settings, name="inbox_settings"),
    path("publishing/inbox/<str:public_id>/reply/", views.inbox_reply, name="inbox_reply"),
    path("publishing/inbox/<str:public_id>/approve/", views.inbox_approve, name="inbox_approve"),
    path("publishing/webhooks/meta/", views.meta_webhook, name="meta_webhook"),
]
