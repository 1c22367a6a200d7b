"""Verification of a redacted video on the encoder's OUTPUT, frame by frame, in the pass.

The encoder's packets are decoded by a second decoder as they come out (the frames
waiting for them sit in a ring buffer whose length is the encoder's delay), and each
decoded frame is checked against the frame that was searched and redacted:
1. Identity outside the masks: 16x16 block means of (expected - output) within the
   still verifier's codec tolerance on every block no mask touches or borders
   (`verify.changed_outside`, the still verifier's own check). Then every pixel
   outside the masks is the searched content.
2. Inside every mask the output is redacted (block-constant, `verify.not_redacted`,
   measured inside the blocks where the codec's smear at block edges leaves it exact).
3. On keyframes, and on frames where a window search found a face, the face detector
   runs again at the verification threshold in windows around the masks
   (`CenterFaceDetector.detect_around`): a face only partly under its mask is found.
   Between keyframes the masks are the keyframes' masks carried by the same motion
   that carries the content they cover (the blocks around them matched), so the face
   and its mask keep the keyframe's relative position, which (3) checked there.
The file the muxer wrote must then hold exactly these packets (SHA-256 of each packet,
compared after the container is cleaned): what was verified is what is delivered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from clearpost.engine.media.faces import CenterFaceDetector, FaceBox
from clearpost.engine.media.redact import Region, Style, union_mask
from clearpost.engine.media.verify import changed_outside, not_redacted
from clearpost.engine.media.verify import outside as _outside

Pixels = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
# H.264 with 4:2:0 chroma smears block edges more than a still codec: inside the blocks
# (VIDEO_BLOCK_INSET px from every block and mask edge) the output must be flat within
# VIDEO_BLOCK_TOLERANCE; over whole blocks, edges included, within VIDEO_EDGE_TOLERANCE.
VIDEO_BLOCK_TOLERANCE = 10.0
VIDEO_BLOCK_INSET = 3
VIDEO_EDGE_TOLERANCE = 24.0


@dataclass
class Expected:
    """A frame as it was sent to the encoder, waiting for the decoder to return it."""

    index: int
    rgb: Pixels
    regions: list[Region]
    around: list[tuple[int, int, int, int]]  # boxes to search around on the output


@dataclass
class FrameVerifier:
    """Checks each decoded output frame against its Expected; counts what fails."""

    style: Style
    checker: CenterFaceDetector | None
    threshold: float
    identity_tol: float
    frames: int = 0
    residual_frames: list[int] = field(default_factory=list)
    identity_drift: float = 0.0
    around_px: int = 0
    # What a retry needs (`video.deid_video`): the faces found beside the masks, by
    # frame, and how many frames showed a mask the encoder did not keep redacted.
    found: dict[int, list[FaceBox]] = field(default_factory=dict)
    unredacted_frames: int = 0

    def check(self, exp: Expected, out: Pixels) -> None:
        self.frames += 1
        h, w = out.shape[:2]
        regs = [r for r in exp.regions if r.box()[2] > 0 and r.box()[3] > 0]
        drift = changed_outside(exp.rgb, out, union_mask(regs, h, w))
        self.identity_drift = max(self.identity_drift, drift)
        bad = set(
            not_redacted(
                out,
                regs,
                [self.style] * len(regs),
                tolerance=VIDEO_BLOCK_TOLERANCE,
                inset=VIDEO_BLOCK_INSET,
                edge_tolerance=VIDEO_EDGE_TOLERANCE,
            )
        )
        residue = bool(bad) or drift > self.identity_tol
        self.unredacted_frames += bool(bad)
        if self.checker is not None and exp.around and not residue:
            mask = union_mask([r for k, r in enumerate(regs) if k not in bad], h, w)
            found = self.checker.detect_around(out, exp.around, self.threshold)
            self.around_px += len(exp.around) * 192 * 192
            beside = [f for f in found if _outside(f.box, mask)]
            if beside:
                self.found[exp.index] = [replace(f, explanation="output check") for f in beside]
            residue = bool(beside)
        if residue:
            self.residual_frames.append(exp.index)


def _nal_units(data: bytes, annexb: bool) -> list[bytes]:
    """NAL units of an H.264 packet, Annex B (start codes, as libx264 writes them) or
    length-prefixed (as the MP4 muxer stores them): the same bitstream either way. The
    caller says which: a length prefix can itself look like a start code."""
    if annexb:
        return [u.rstrip(b"\x00") for u in data.split(b"\x00\x00\x01") if u.rstrip(b"\x00")]
    units, pos = [], 0
    while pos + 4 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        units.append(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    if pos != len(data):
        units.append(data[pos:])  # malformed: kept, so the comparison fails
    return units


def packet_digest(data: bytes, annexb: bool) -> bytes:
    """SHA-256 over the packet's NAL units (framing left out)."""
    digest = hashlib.sha256()
    for unit in _nal_units(data, annexb):
        digest.update(len(unit).to_bytes(4, "big"))
        digest.update(unit)
    return digest.digest()


def file_packets_match(path: Path, digests: list[bytes]) -> bool:
    """True when the file's video stream holds exactly these packets, in this order."""
    seen: list[bytes] = []
    with av.open(str(path)) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size:
                seen.append(packet_digest(bytes(packet), annexb=False))
    return seen == digests
