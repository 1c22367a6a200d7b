"""Background tasks: JSON payloads of public IDs only, idempotent, safe to re-run.

`publishing_tick` is the heartbeat (django.tasks has no periodic scheduler, so it
re-queues itself with `run_after`, like the expiry run): it queues posts whose time has
come, gives due publications their turn (retries, processing checks, calls whose worker
died), runs open takedowns, escalates overdue ones and polls comments.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from clearpost.app.posts.models import Post, State
from clearpost.app.publishing import publisher
from clearpost.app.publishing.models import Publication

TICK = dt.timedelta(seconds=30)


@task()
def publish_post(post_public_id: str) -> list[str]:
    post = Post.objects.filter(public_id=post_public_id).first()
    if post is None:
        return []
    return publisher.publish_post(post.pk)


@task()
def continue_publication(publication_public_id: str) -> str:
    pub = Publication.objects.filter(public_id=publication_public_id).first()
    if pub is None:
        return ""
    state = publisher.run_publication(pub.pk)
    publisher.finish_post(pub.post_id)
    return str(state)


def due_posts(now: dt.datetime | None = None) -> list[str]:
    now = now or timezone.now()
    return list(
        Post.objects.filter(state=State.SCHEDULED, scheduled_at__lte=now).values_list(
            "public_id", flat=True
        )
    )


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """One heartbeat, inline (the task wraps it; tests and the command call it)."""
    from clearpost.app.publishing import accounts, inbox, takedown

    posts = due_posts(now)
    for public_id in posts:
        publisher.publish_post(Post.objects.get(public_id=public_id).pk)
    pubs = list(publisher.due_publications(now))
    for pk in pubs:
        publisher.run_publication(pk, now)
        publisher.finish_post(Publication.objects.get(pk=pk).post_id)
    done = takedown.run_due(now)
    comments = inbox.poll_due(now)
    accounts.refresh_due(now)
    return {"posts": len(posts), "publications": len(pubs), "takedowns": done, "comments": comments}


@task()
def publishing_tick() -> dict[str, int]:
    result = tick()
    schedule_tick()
    return result


def schedule_tick(delay: dt.timedelta = TICK) -> bool:
    """Keep exactly one future heartbeat queued (see authorizations.schedule_expiry)."""
    backend = publishing_tick.get_backend()
    if not backend.supports_defer:
        return False
    if type(backend).__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(
            task_path=publishing_tick.module_path, status="READY"
        ).exists():
            return False
    publishing_tick.using(run_after=timezone.now() + delay).enqueue()
    return True
