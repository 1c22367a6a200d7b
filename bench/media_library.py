"""Upload-to-preview time of the web media library: a 12 MP photo and a one-minute
720p video, each sent through the page's chunked upload protocol (4 MiB chunks, the
Django test client against the real views), checked and sealed, then de-identified by
the task's own code (`media.tasks.run_deid`) until the derivative is stored and the
result page would show it. The worker's pick-up delay (the database worker polls
about once a second) is not included.

Inputs are made at run time from the public-domain portrait in
src/clearpost/app/media/demo_data. Reproduce: `.venv/bin/python -m bench media_library`.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image

DEMO = Path(__file__).resolve().parent.parent / "src/clearpost/app/media/demo_data/obama.jpg"
CHUNK = 4 * 1024 * 1024


def _photo_12mp(folder: Path) -> Path:
    """4000x3000 with the portrait in the middle, GPS and a capture date."""
    canvas = Image.new("RGB", (4000, 3000), (70, 90, 110))
    face = Image.open(DEMO).convert("RGB").resize((1600, 2000))
    canvas.paste(face, (1200, 500))
    path = folder / "photo-12mp.jpg"
    canvas.save(path, "JPEG", quality=92)
    subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("exiftool") or "exiftool", "-q", "-overwrite_original", "-GPSLatitude=30.2", "-GPSLatitudeRef=N",
         "-DateTimeOriginal=2026:03:01 10:00:00", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def _video_720p(folder: Path, seconds: int = 60) -> Path:
    """`seconds` of 1280x720 at 30 fps: the portrait drifting across the frame."""
    path = folder / f"video-720p-{seconds}s.mp4"
    subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", f"color=c=gray:size=1280x720:rate=30:duration={seconds}",
         "-loop", "1", "-i", str(DEMO),
         "-filter_complex", f"[1]scale=480:600[f];[0][f]overlay=x='(W-w)*t/{seconds}':y=60:shortest=1",
         "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def _setup_django(data: Path) -> None:
    os.environ["CLEARPOST_DATA_DIR"] = str(data)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearpost.app.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _measure(path: Path) -> dict[str, float | str]:
    from django.test import Client

    from clearpost.app.accounts.actions import grant_role
    from clearpost.app.accounts.models import Role, User
    from clearpost.app.media import tasks
    from clearpost.app.media.models import MediaItem
    from clearpost.app.practices.models import Practice

    practice, _ = Practice.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    user = User.objects.filter(username="bench").first()
    if user is None:
        user = User.objects.create_user(username="bench", password=None, practice=practice)
        grant_role(None, user, Role.CLINICIAN)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    from clearpost.app.accounts.middleware import MFA_OK

    session = client.session
    session[MFA_OK] = True
    session.save()
    data = path.read_bytes()
    t0 = time.perf_counter()
    start = client.post(
        "/media/uploads/", json.dumps({"name": path.name, "size": len(data)}),
        content_type="application/json",
    )  # fmt: skip
    upload_id, offset = start.json()["id"], 0
    while offset < len(data):
        sent = client.put(
            f"/media/uploads/{upload_id}/?offset={offset}", data[offset : offset + CHUNK],
            content_type="application/octet-stream",
        )  # fmt: skip
        offset = sent.json()["received"]
    t1 = time.perf_counter()
    done = client.post(f"/media/uploads/{upload_id}/finish/")
    item = MediaItem.objects.get(public_id=done.json()["item"])
    t2, c2 = time.perf_counter(), _cpu()
    status = tasks.run_deid(item.public_id, item.generation)
    t3, c3 = time.perf_counter(), _cpu()
    item.refresh_from_db()
    return {
        "file": path.name,
        "size_mb": round(len(data) / 1e6, 1),
        "status": status,
        "upload_s": round(t1 - t0, 2),
        "check_store_s": round(t2 - t1, 2),
        "deid_s": round(t3 - t2, 1),
        "total_s": round(t3 - t0, 1),
        "deid_cpu_s": round(c3 - c2, 1),
        "load": round(os.getloadavg()[0], 1),
        "faces": len(item.report.get("faces") or []),
    }


def _cpu() -> float:
    """CPU seconds of this process and of its finished children: the task runs the
    engine in a child process, whose time `process_time` alone does not see."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def main(out_dir: Path) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-media-lib-") as tmp:
        folder = Path(tmp)
        _setup_django(folder / "data")
        rows = []
        for make in (_photo_12mp, _video_720p):
            rows.append(_measure(make(folder)))
            print(rows[-1], flush=True)
    lines = [
        "## Media library: upload to preview",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores "
        f"({platform.machine()}), `.venv/bin/python -m bench media_library`. Chunked upload "
        "through the real views (4 MiB chunks, in-process client: no network), engine "
        "check and sealing, then de-identification by the task's code until the "
        "derivative is stored. The worker's pick-up delay (about 1 s) is not included.",
        "",
        "Wall-clock times depend on what else runs on the 2 shared cores: the load average "
        "at the end of each run is given, and the CPU time the de-identification used "
        "(all threads; on an idle 2-core machine wall time is about CPU time / 2).",
        "",
        "| file | size | upload | check + seal | de-identify | total | de-identify CPU | load | faces | status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['file']} | {r['size_mb']} MB | {r['upload_s']} s | {r['check_store_s']} s "
            f"| {r['deid_s']} s | **{r['total_s']} s** | {r['deid_cpu_s']} s | {r['load']} "
            f"| {r['faces']} | {r['status']} |"
        )
    return "\n".join(lines) + "\n"
