"""Decode a still with its orientation applied, and encode pixels with no metadata.

Both directions go through Pillow (and pillow-heif for HEIC, rawpy for camera RAW when
installed) because they are the well-kept decoders; nothing here copies any metadata
from the source: the encoder receives bare pixels and, at most, an ICC profile the
caller has judged safe to keep for colour fidelity.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from clearpost.engine.media.formats import StillFormat
from clearpost.engine.media.limits import DEFAULT_LIMITS, Limits, check_dimensions
from clearpost.engine.media.report import Refusal
from clearpost.engine.media.sniff import sniff_bytes

__all__ = ["ImageInfo", "Pixels", "StillFormat", "encode_still", "load_oriented"]

RULE = "HIPAA-DEID-METADATA"
STRIP_ROWS = 256  # rows per strip when decoded pixels are copied into numpy
Pixels = npt.NDArray[np.uint8]

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str  # sniffed source format
    width: int  # after orientation
    height: int
    orientation: int  # EXIF orientation of the source (1 = upright or none)
    has_alpha: bool
    icc: bytes | None  # source ICC profile, unjudged
    frames: int  # > 1 for animations; only the first frame is decoded


def _exif_orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(0x0112, 1)
    except Exception:  # malformed EXIF reads as "no orientation", never a crash
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _decode_raw(data: bytes, limits: Limits) -> tuple[Pixels, int]:
    try:
        import rawpy
    except ImportError:
        raise Refusal(
            RULE, "camera RAW cannot be decoded: the rawpy package is not installed"
        ) from None
    try:
        with rawpy.imread(io.BytesIO(data)) as raw:
            h, w = raw.sizes.height, raw.sizes.width
            check_dimensions(w, h, limits)
            rgb = raw.postprocess(use_camera_wb=True, output_bps=8)
    except Refusal:
        raise
    except Exception as exc:
        raise Refusal(RULE, f"camera RAW could not be decoded ({type(exc).__name__})") from None
    arr = np.ascontiguousarray(rgb, dtype=np.uint8)
    return arr, 1  # libraw applies the camera's orientation itself


def load_oriented(
    source: Path | bytes, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[Pixels, ImageInfo]:
    """Decode the first frame as RGB or RGBA uint8, upright (EXIF orientation applied).

    Dimensions are checked from the header before decoding (decompression bombs).
    Raises Refusal with a reason on anything that cannot be decoded.
    """
    data = source.read_bytes() if isinstance(source, Path) else source
    sniffed = sniff_bytes(data[:65536])
    if sniffed.kind == "video":
        raise Refusal(RULE, f"{sniffed.format} is a video, not a still image")
    if sniffed.kind == "raw":
        arr, orientation = _decode_raw(data, limits)
        h, w = arr.shape[:2]
        return arr, ImageInfo(sniffed.format, w, h, orientation, False, None, 1)
    if sniffed.format == "heic":
        _register_heif()
    # Pillow's own bomb limit (Image.MAX_IMAGE_PIXELS) is process-wide state: it is
    # never changed here, so one file can never raise the ceiling for the next one.
    # The per-file limit is `limits`, checked from the header before `load()`.
    try:
        img: Image.Image = Image.open(io.BytesIO(data))
        check_dimensions(img.width, img.height, limits)
        orientation = _exif_orientation(img)
        icc = img.info.get("icc_profile")
        frames = int(getattr(img, "n_frames", 1))
        # A file cut short (no end-of-image marker) goes to Pillow, which refuses it;
        # OpenCV would fill the missing rows with grey instead.
        if img.format == "JPEG" and img.mode == "RGB" and frames == 1 and _ends_jpeg(data):
            fast = _decode_jpeg_rgb(data, orientation)
            if fast is not None:
                h, w = fast.shape[:2]
                icc_bytes = icc if isinstance(icc, bytes) else None
                return fast, ImageInfo(sniffed.format, w, h, orientation, False, icc_bytes, 1)
        img.load()
        # In place: without it Pillow returns a full copy even when nothing turns.
        ImageOps.exif_transpose(img, in_place=True)
        has_alpha = img.mode in ("RGBA", "LA", "PA") or (
            img.mode == "P" and "transparency" in img.info
        )
        if img.mode == "CMYK" and icc:
            # Convert through the embedded profile; a naive CMYK->RGB shifts colours.
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            img = ImageCms.profileToProfile(img, src, dst, outputMode="RGB") or img
            icc = None
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):
            img = Image.fromarray((np.asarray(img, dtype=np.uint32) >> 8).astype(np.uint8))
        mode = "RGBA" if has_alpha else "RGB"
        if img.mode != mode:
            img = img.convert(mode)
        arr = _to_array(img)
        del img
    except Refusal:
        raise
    except Image.DecompressionBombError:
        raise Refusal(RULE, "the image is too large to decode (decompression bomb)") from None
    except Exception as exc:
        raise Refusal(
            RULE, f"the {sniffed.format} image cannot be decoded ({type(exc).__name__}: {exc})"
        ) from None
    h, w = arr.shape[:2]
    return arr, ImageInfo(
        sniffed.format,
        w,
        h,
        orientation,
        has_alpha,
        icc if isinstance(icc, bytes) else None,
        frames,
    )


# EXIF orientation -> the same pixel permutation as Pillow's `exif_transpose`.
_ORIENT: dict[int, Callable[[Pixels], Pixels]] = {
    2: lambda a: a[:, ::-1],  # FLIP_LEFT_RIGHT
    3: lambda a: a[::-1, ::-1],  # ROTATE_180
    4: lambda a: a[::-1],  # FLIP_TOP_BOTTOM
    5: lambda a: a.transpose(1, 0, 2),  # TRANSPOSE
    6: lambda a: np.rot90(a, -1),  # ROTATE_270 (90 degrees clockwise)
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),  # TRANSVERSE
    8: lambda a: np.rot90(a, 1),  # ROTATE_90
}


def _ends_jpeg(data: bytes) -> bool:
    return data.rstrip(b"\x00")[-2:] == b"\xff\xd9"


def _decode_jpeg_rgb(data: bytes, orientation: int) -> Pixels | None:
    """A colour JPEG decoded straight into a 3-byte-per-pixel array (OpenCV's
    libjpeg-turbo), upright; None when OpenCV cannot decode it (Pillow then does).

    Why: Pillow holds RGB at 4 bytes per pixel and its array has to be copied out, so a
    90 MP JPEG took 630 MB to decode against 270 MB here. The pixels are the same as
    Pillow's (same library, islow DCT, fancy upsampling; a test compares them for
    4:4:4, 4:2:0, 4:2:2 and progressive files and every orientation)."""
    import cv2

    bgr = cv2.imdecode(
        np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    )
    if bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3:
        return None
    arr = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=bgr), np.uint8)
    turn = _ORIENT.get(orientation)
    if turn is not None:
        arr = np.ascontiguousarray(turn(arr))
    return arr


def _to_array(img: Image.Image, rows: int = STRIP_ROWS) -> Pixels:
    """A writable uint8 copy of a decoded RGB/RGBA image, filled strip by strip.

    Pillow keeps RGB as 4 bytes per pixel and `np.asarray(img)` goes through one
    `tobytes()` of the whole image: with the usual `.copy()` a 90 MP photo held the
    decoded image (360 MB), its bytes (270 MB) and the copy (270 MB) at once. Strips
    hold only the image and the array; the pixels are the same bytes."""
    w, h = img.size
    arr = np.empty((h, w, len(img.getbands())), np.uint8)
    for y in range(0, h, rows):
        arr[y : y + rows] = np.asarray(img.crop((0, y, w, min(h, y + rows))), np.uint8)
    return arr


def encode_still(
    rgb: Pixels,
    fmt: StillFormat,
    *,
    quality: int = 95,
    icc: bytes | None = None,
) -> bytes:
    """Encode pixels to a file with no metadata (no EXIF, XMP, IPTC, text, dates).

    `quality` >= 100 means lossless for WebP; JPEG keeps full chroma at 90 and above.
    `icc` is written only when given (a caller keeps a standard profile for colour).
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] not in (3, 4):
        raise ValueError("encode_still needs a HxWx3 or HxWx4 uint8 array")
    if fmt == "jpeg" and rgb.shape[2] == 3:
        fast = _encode_jpeg_rgb(rgb, min(quality, 100), icc)
        if fast is not None:
            return fast
    img = Image.fromarray(rgb, "RGBA" if rgb.shape[2] == 4 else "RGB")
    buf = io.BytesIO()
    extra: dict[str, object] = {}
    if icc:
        extra["icc_profile"] = icc
    if fmt == "jpeg":
        if img.mode == "RGBA":
            img = img.convert("RGB")
        img.save(
            buf,
            format="JPEG",
            quality=min(quality, 100),
            subsampling=0 if quality >= 90 else 2,
            optimize=True,
            **extra,
        )
    elif fmt == "png":
        img.save(buf, format="PNG", compress_level=6, **extra)
    elif fmt == "webp":
        img.save(
            buf,
            format="WEBP",
            quality=min(quality, 100),
            lossless=quality >= 100,
            method=4,
            **extra,
        )
    elif fmt == "heic":
        _register_heif()
        img.save(buf, format="HEIF", quality=min(quality, 100), **extra)
    else:
        raise ValueError(f"unsupported output format {fmt!r}")
    return buf.getvalue()


_ICC_CHUNK = 65533 - 14  # bytes of profile per APP2 segment, as Pillow cuts them
_JFIF_END = 20  # SOI (2 bytes) + the JFIF APP0 segment (18) that libjpeg writes first


def _encode_jpeg_rgb(rgb: Pixels, quality: int, icc: bytes | None) -> bytes | None:
    """The same bytes as Pillow's JPEG encoder (libjpeg-turbo, islow DCT, optimised
    Huffman tables, 4:4:4 from quality 90, the ICC profile in APP2 segments right after
    JFIF), from OpenCV's, which reads the array in place: Pillow first copies it into
    its own 4-bytes-per-pixel image (360 MB for 90 MP). The channels are swapped to
    OpenCV's order in place and back afterwards; a read-only or strided array, or an
    encoder failure, returns None and Pillow encodes. A test compares the bytes."""
    import cv2

    if not (rgb.flags.c_contiguous and rgb.flags.writeable):
        return None
    params = [
        cv2.IMWRITE_JPEG_QUALITY,
        quality,
        cv2.IMWRITE_JPEG_OPTIMIZE,
        1,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
        if quality >= 90
        else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
    ]
    cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR, dst=rgb)
    try:
        ok, encoded = cv2.imencode(".jpg", rgb, params)
    finally:
        cv2.cvtColor(rgb, cv2.COLOR_BGR2RGB, dst=rgb)
    if not ok:
        return None
    data = encoded.tobytes()
    del encoded
    if data[2:4] != b"\xff\xe0" or not icc:
        return data if data[2:4] == b"\xff\xe0" else None
    chunks = [icc[i : i + _ICC_CHUNK] for i in range(0, len(icc), _ICC_CHUNK)]
    segments = b"".join(
        b"\xff\xe2"
        + (2 + 14 + len(c)).to_bytes(2, "big")
        + b"ICC_PROFILE\0"
        + bytes([i, len(chunks)])
        + c
        for i, c in enumerate(chunks, 1)
    )
    return data[:_JFIF_END] + segments + data[_JFIF_END:]
