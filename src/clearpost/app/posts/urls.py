from django.urls import path

from clearpost.app.posts import views, views_calendar

app_name = "posts"
urlpatterns = [
    path("", views_calendar.post_list, name="list"),
    path("calendar/", views_calendar.calendar, name="calendar"),
    path("policy/", views_calendar.policy, name="policy"),
    path("new/", views.compose, name="new"),
    path("check/", views.live_check, name="check"),
    path("<str:public_id>/", views.detail, name="detail"),
    path("<str:public_id>/edit/", views.compose, name="edit"),
    path("<str:public_id>/submit/", views.submit, name="submit"),
    path("<str:public_id>/preview-link/", views.preview_link, name="preview_link"),
    path("<str:public_id>/preview-email/", views.preview_email, name="preview_email"),
    path("<str:public_id>/approve/", views.approve, name="approve"),
    path("<str:public_id>/reject/", views.reject, name="reject"),
    path("<str:public_id>/justify/", views.justify, name="justify"),
    path("<str:public_id>/schedule/", views.schedule, name="schedule"),
    path("<str:public_id>/reschedule/", views.reschedule, name="reschedule"),
    path("<str:public_id>/evidence/", views.evidence, name="evidence"),
]
