"""Size, dimension and duration limits checked before anything is decoded.

A decompression bomb is a small file that declares a huge image or video; it is
refused from its header, before a decoder allocates anything, so that one hostile
file cannot exhaust a worker's memory and stop a batch.

Limits are per file, passed down with each call, never process-wide state: an earlier
file in a batch must not change what a later one is allowed (Pillow's global
MAX_IMAGE_PIXELS is left at its default and never assigned; it is a fixed outer
ceiling of 2 x 89.5 MP that the default `max_pixels` stays under).
"""

from __future__ import annotations

from dataclasses import dataclass

from clearpost.engine.media.report import Refusal

_MIB = 1024 * 1024
RULE = "HIPAA-DEID-METADATA"


@dataclass(frozen=True, slots=True)
class Limits:
    max_still_bytes: int = 300 * _MIB
    max_video_bytes: int = 4096 * _MIB
    # 90 MP, about Pillow's own warning level: deid holds several full copies of a
    # still (decode, RGB, redacted copy, encoded bytes, verification decode), and a
    # 196 MP bomb took 3.4 GB (issue 10). Phones with 108/200 MP sensors save binned
    # 12-50 MP photos unless full resolution is chosen; such a file is refused with a
    # reason rather than risking the worker.
    max_pixels: int = 90_000_000
    max_side: int = 32_768
    max_video_seconds: float = 3600.0
    max_video_frame_pixels: int = 8192 * 4352
    max_video_frames: int = 3600 * 120


DEFAULT_LIMITS = Limits()


def check_file_size(size: int, kind: str, limits: Limits = DEFAULT_LIMITS) -> None:
    if size == 0:
        raise Refusal(RULE, "the file is empty (0 bytes)")
    cap = limits.max_video_bytes if kind == "video" else limits.max_still_bytes
    if size > cap:
        raise Refusal(
            RULE, f"the file is {size // _MIB} MiB, over the {cap // _MIB} MiB limit for a {kind}"
        )


def check_dimensions(width: int, height: int, limits: Limits = DEFAULT_LIMITS) -> None:
    if width <= 0 or height <= 0:
        raise Refusal(RULE, f"the image declares impossible dimensions {width}x{height}")
    if width > limits.max_side or height > limits.max_side:
        raise Refusal(
            RULE,
            f"the image declares {width}x{height} pixels, a side over {limits.max_side} "
            "(possible decompression bomb)",
        )
    if width * height > limits.max_pixels:
        raise Refusal(
            RULE,
            f"the image declares {width * height / 1e6:.0f} megapixels, over the "
            f"{limits.max_pixels / 1e6:.0f} MP limit (possible decompression bomb)",
        )


def check_video(
    width: int,
    height: int,
    seconds: float | None,
    frames: int | None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    if width <= 0 or height <= 0:
        raise Refusal(RULE, f"the video declares impossible dimensions {width}x{height}")
    if width * height > limits.max_video_frame_pixels:
        raise Refusal(RULE, f"the video's frames are {width}x{height}, over the 8K limit")
    if seconds is not None and seconds > limits.max_video_seconds:
        raise Refusal(
            RULE,
            f"the video lasts {seconds:.0f} s, over the {limits.max_video_seconds:.0f} s limit",
        )
    if frames is not None and frames > limits.max_video_frames:
        raise Refusal(
            RULE, f"the video has {frames} frames, over the {limits.max_video_frames} limit"
        )
