"""The shared onnxruntime arena: models allocate from one arena, shrunk between files."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_arena_is_shared_and_shrinks_between_files() -> None:
    """In a fresh process (the arena is registered once per process): nothing to shrink
    before a model is loaded; after face detection the shrink runs, and detection gives
    the same faces before and after it (the arena's chunks are only returned, never
    reused while in use)."""
    code = textwrap.dedent(
        """
        import numpy as np
        from clearpost.engine.media import ortsession
        from clearpost.engine.media.faces import CenterFaceDetector, PyramidSettings
        from clearpost.engine.media.memory import release_freed_memory
        from clearpost.engine.media.tests.redact_fixtures import face_scene

        assert ortsession.shrink_arena() is False
        det = CenterFaceDetector(PyramidSettings(rotations=(0,)))
        img = face_scene("obama.jpg", 64, 0)[0]
        first = [f.box for f in det.detect(img)]
        assert first
        assert ortsession.shrink_arena() is True
        assert release_freed_memory() in (True, False)
        assert [f.box for f in det.detect(img)] == first
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
