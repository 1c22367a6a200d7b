"""Validate the drawn signature a kiosk sends before it becomes evidence.

The image arrives from an unauthenticated page, so it is hostile until proven a small,
real, non-blank PNG: the size and dimensions are checked from the header before any
pixel is decoded (no decompression bombs), the file must decode completely, and it must
contain enough ink to be a mark rather than an accidental tap.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

MAX_BYTES = 512 * 1024
MIN_SIZE = (100, 40)
MAX_SIZE = (3000, 1500)
MIN_INK_PIXELS = 60
MIN_INK_SPAN = 25  # pixels: a dot is not a signature
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


class SignatureError(ValueError):
    """A signature image that cannot be accepted; the message says why, for the signer."""


def decode_data_url(value: str) -> bytes:
    """The canvas sends `data:image/png;base64,...`; anything else is refused."""
    value = value.strip()
    if not value:
        raise SignatureError("Please sign in the box with your finger or the mouse.")
    if not value.startswith(DATA_URL_PREFIX):
        raise SignatureError("The signature must be a PNG image drawn in the box.")
    body = value[len(DATA_URL_PREFIX) :]
    if len(body) > MAX_BYTES * 4 // 3 + 8:
        raise SignatureError(f"The signature image is larger than {MAX_BYTES // 1024} KB.")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("The signature image is damaged; please sign again.") from None


def validate_png(data: bytes) -> bytes:
    """Return the PNG unchanged when acceptable; raise SignatureError with the reason."""
    if len(data) > MAX_BYTES:
        raise SignatureError(f"The signature image is larger than {MAX_BYTES // 1024} KB.")
    if not data.startswith(PNG_MAGIC):
        raise SignatureError("The signature must be a PNG image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != "PNG":
                    raise SignatureError("The signature must be a PNG image.")
                width, height = probe.size
                if width > MAX_SIZE[0] or height > MAX_SIZE[1]:
                    raise SignatureError(
                        f"The signature image is {width}x{height} pixels; the most allowed "
                        f"is {MAX_SIZE[0]}x{MAX_SIZE[1]}."
                    )
                if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
                    raise SignatureError("The signature image is too small; please sign again.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                rgba = img.convert("RGBA")
    except SignatureError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning):
        raise SignatureError("The signature image is damaged; please sign again.") from None
    _require_ink(rgba)
    return data


def _require_ink(img: Image.Image) -> None:
    """Ink = visible pixels that are clearly darker than paper."""
    gray = img.convert("L")
    alpha = img.getchannel("A")
    mask = Image.eval(gray, lambda v: 255 if v < 160 else 0)
    ink = Image.composite(
        mask, Image.new("L", img.size, 0), alpha.point(lambda a: 255 if a > 64 else 0)
    )
    count = sum(ink.histogram()[255:])
    box = ink.getbbox()
    span = max(box[2] - box[0], box[3] - box[1]) if box else 0
    if count < MIN_INK_PIXELS or span < MIN_INK_SPAN:
        raise SignatureError(
            "The signature box is empty; please sign with your finger or the mouse."
        )


def typed_signature_png(name: str) -> bytes:
    """The signer's typed name drawn as their signature (for people who cannot use the
    pad: keyboard, switch or screen-reader users). It passes the same checks as a
    drawn one."""
    text = " ".join(name.split())[:80]
    if len(text) < 2:
        raise SignatureError("Type your full name to sign with it.")
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
            "DejaVuSans-Oblique.ttf", 48
        )
    except OSError:  # no system font: Pillow's own scalable default
        font = ImageFont.load_default(size=48)
    img = Image.new("RGB", (700, 220), "white")
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    scale_fits = right - left <= 660
    x = 20 if not scale_fits else (700 - (right - left)) // 2
    draw.text((x, 110 - (bottom - top) // 2 - top), text, fill="#111111", font=font)
    draw.line((40, 175, 660, 175), fill="#777777", width=2)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return validate_png(buf.getvalue())
