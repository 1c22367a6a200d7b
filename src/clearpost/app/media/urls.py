from django.urls import path

from clearpost.app.media import views, views_edit

app_name = "media"
urlpatterns = [
    path("", views.library, name="library"),
    path("upload/", views.upload_form, name="upload"),
    path("uploads/", views.chunk_start, name="chunk_start"),
    path("uploads/<str:upload_id>/", views.chunk, name="chunk"),
    path("uploads/<str:upload_id>/finish/", views.chunk_finish, name="chunk_finish"),
    path("pairs/new/", views_edit.pair_new, name="pair_new"),
    path("pairs/<str:public_id>/", views_edit.pair, name="pair"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/progress/", views.progress, name="progress"),
    path("<str:public_id>/original/", views.original, name="original"),
    path("<str:public_id>/derivative/", views.derivative, name="derivative"),
    path("<str:public_id>/rerun/", views.rerun, name="rerun"),
    path("<str:public_id>/delete/", views.delete, name="delete"),
    path("<str:public_id>/regions/", views_edit.regions, name="regions"),
    path("<str:public_id>/faces/keep/", views_edit.faces_keep, name="faces_keep"),
    path("<str:public_id>/faces/redact/", views_edit.faces_redact, name="faces_redact"),
    path("<str:public_id>/links/", views_edit.link, name="link"),
    path("<str:public_id>/links/<int:link_id>/remove/", views_edit.unlink, name="unlink"),
    path("<str:public_id>/no-patient/", views_edit.no_patient, name="no_patient"),
    path("<str:public_id>/body-regions/", views_edit.body_regions, name="body_regions"),
]
