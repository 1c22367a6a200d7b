"""Which pixels of each video frame must be searched, and what to mask: keyframes plus
coverage by content identity in between.

Why not detect on every frame: full-recall face detection (the pyramid, three
rotations) costs ~1.7 CPU s on a 720p frame on this machine, 50 times the ~33 ms a frame
may take in real time, and consecutive frames are mostly the same content moved.

The argument, per frame t between keyframes K1 (before) and K2 (after, read ahead in a
bounded buffer): every 16x16 block of t is
1. matched: it equals K1's or K2's content moved by the estimated camera motion (mean
   absolute difference per pixel at most `motion.IDENTITY_MAD`, every pixel inside the
   moved keyframe; `motion.matched_blocks`). The keyframes were searched at full recall
   (faces down to the verification threshold, text), so the detectors' verdict on that
   content carries over; their faces and text are carried to t by the same motion
   (boxes grown by a margin); or
2. masked: wholly inside a carried mask (it is redacted, so nothing there can show); or
3. searched on t itself: the remaining blocks, grown by a context margin so a face that
   straddles old and new content is seen whole, go through the same detectors in merged
   windows at the same threshold.
When more than `max_new` of the frame is unmatched, or no motion can be estimated, t
becomes a keyframe itself (full search). Nothing is left uncovered: that is what makes
skipping the full search on most frames fail-closed, and it is what the counters in the
report (keyframes, pixels searched directly) measure.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from clearpost.engine.media import motion
from clearpost.engine.media.faces import CenterFaceDetector, FaceBox, nms
from clearpost.engine.media.motion import Affine, Features
from clearpost.engine.media.redact import GROW, Region, union_mask
from clearpost.engine.media.textregions import TextBox

Pixels = npt.NDArray[np.uint8]
Grey = npt.NDArray[np.uint8]
Window = tuple[int, int, int, int]  # x0, y0, x1, y1
TextFinder = Callable[[Pixels], list[TextBox]]
# Faces beside the masks of a searched keyframe (`video._beside_masks`): given the frame
# and what the search found, the faces to add.
Beside = Callable[["SourceFrame", list[FaceBox], list[TextBox]], list[FaceBox]]
TEXT_SIDE = 736  # RapidOCR's detector works at this short side


@dataclass(frozen=True, slots=True)
class CoverSettings:
    # A keyframe at least every `key_every` frames (the read-ahead, hence the memory).
    key_every: int = 60
    # More than this fraction of a frame new (unmatched): the frame becomes a keyframe.
    max_new: float = 0.3
    # Context around new blocks, in blocks of 16 px: a face up to this size that
    # straddles searched and new content lies whole inside the window.
    context_blocks: int = 6
    # Carried masks grow by this many pixels on every side (motion error, jitter).
    margin_px: float = 4.0
    # Text is searched on keyframes and carried both ways by the motion; searching the
    # new-content windows for text too costs ~0.5 CPU s a frame (RapidOCR works at a
    # 736 px short side whatever the window), so it is off by default (see the docs).
    text_in_windows: bool = False


@dataclass
class SourceFrame:
    """A decoded frame with what the encoder needs to keep its timing."""

    index: int
    time: float
    rgb: Pixels
    pts: int | None = None
    time_base: object = None


@dataclass
class Planned:
    """One frame, ready to redact: what to mask, and how it was covered."""

    frame: SourceFrame
    faces: list[FaceBox]
    texts: list[TextBox]
    keyframe: bool
    searched_px: int  # pixels the detectors ran on directly for this frame
    # Faces found on this frame itself (keyframe or window), as opposed to carried:
    # verification searches around them on the output of this frame.
    found_here: list[FaceBox] = field(default_factory=list)
    # Where a keyframe would have been but the content was k1's: verification searches
    # around every mask here as on a keyframe.
    checkpoint: bool = False


@dataclass
class _Key:
    frame: SourceFrame
    feats: Features
    faces: list[FaceBox]
    texts: list[TextBox]


def move_face(f: FaceBox, m: Affine, margin: float) -> FaceBox:
    """The face's box carried by `m` (its moved corners' bounding box), grown by
    `margin` px on every side."""
    corners = np.array(
        [[[f.x, f.y]], [[f.x + f.w, f.y]], [[f.x, f.y + f.h]], [[f.x + f.w, f.y + f.h]]],
        np.float32,
    )
    moved = cv2.transform(corners, m).reshape(-1, 2)
    x0, y0 = moved.min(axis=0) - margin
    x1, y1 = moved.max(axis=0) + margin
    return FaceBox(float(x0), float(y0), float(x1 - x0), float(y1 - y0), f.score, "carried")


def move_text(b: TextBox, m: Affine, margin: float) -> TextBox:
    pts = cv2.transform(np.array([[p] for p in b.points], np.float32), m).reshape(-1, 2)
    c = pts.mean(axis=0)
    grown = [c + (p - c) * (1 + margin / max(1.0, float(np.abs(p - c).max()))) for p in pts]
    return TextBox(
        tuple((float(x), float(y)) for x, y in grown), b.text, b.score, b.allowed, "carried"
    )


def new_windows(new: npt.NDArray[np.bool_], context: int, w: int, h: int) -> list[Window]:
    """Pixel windows around the new blocks: each new block grown by `context` blocks
    (so a face up to that size touching it lies whole inside), then windows merged
    greedily while one rectangle costs no more pixels than the two it replaces:
    scattered blocks keep small windows instead of one frame-wide bounding box."""
    b = motion.BLOCK
    rects = [
        (
            max(0, (x - context) * b),
            max(0, (y - context) * b),
            min(w, (x + context + 1) * b),
            min(h, (y + context + 1) * b),
        )
        for y, x in zip(*np.nonzero(new), strict=True)
    ]

    def area(r: Window) -> int:
        return (r[2] - r[0]) * (r[3] - r[1])

    merged = True
    while merged:
        merged = False
        out: list[Window] = []
        for r in rects:
            for k, o in enumerate(out):
                u = (min(r[0], o[0]), min(r[1], o[1]), max(r[2], o[2]), max(r[3], o[3]))
                if area(u) <= area(r) + area(o):
                    out[k] = u
                    merged = True
                    break
            else:
                out.append(r)
        rects = out
    return rects


def pad_to(crop: Pixels, side: int) -> Pixels:
    """`crop` on a flat grey canvas at least `side` px on its short side, top-left.

    RapidOCR scales its input up until the short side is 736 px: a small window would
    be searched magnified (several times the cost of a whole 720p frame). Padded, the
    window is searched at the scale the keyframe was; flat grey holds no text."""
    h, w = crop.shape[:2]
    if min(h, w) >= side:
        return crop
    out = np.full((max(h, side), max(w, side), 3), 128, np.uint8)
    out[:h, :w] = crop[:, :, :3]
    return out


def _shift_face(f: FaceBox, x0: int, y0: int) -> FaceBox:
    return FaceBox(f.x + x0, f.y + y0, f.w, f.h, f.score, f.explanation + " window")


def _shift_text(b: TextBox, x0: int, y0: int) -> TextBox:
    pts = tuple((x + x0, y + y0) for x, y in b.points)
    return TextBox(pts, b.text, b.score, b.allowed, b.explanation + " window")


def _regions(faces: Iterable[FaceBox], texts: Iterable[TextBox]) -> list[Region]:
    regs = [Region.from_box((f.x, f.y, f.w, f.h), GROW, "rect") for f in faces]
    regs += [Region(b.points) for b in texts]
    return regs


def same_faces(a: Sequence[FaceBox], b: Sequence[FaceBox]) -> npt.NDArray[np.bool_]:
    """Whether a[i] and b[j] are boxes of one face (IoU over 0.2, or centres closer than
    half the larger side), for every pair, as a len(a) x len(b) matrix: the report
    follows ~60 faces through ~30 carried boxes on every frame (a Python call per pair
    was ~1.5 s a minute of video)."""
    if not a or not b:
        return np.zeros((len(a), len(b)), bool)
    pa = np.array([(f.x, f.y, f.w, f.h) for f in a], np.float64)[:, None, :]
    pb = np.array([(f.x, f.y, f.w, f.h) for f in b], np.float64)[None, :, :]
    ix = np.maximum(
        0.0,
        np.minimum(pa[..., 0] + pa[..., 2], pb[..., 0] + pb[..., 2])
        - np.maximum(pa[..., 0], pb[..., 0]),
    )
    iy = np.maximum(
        0.0,
        np.minimum(pa[..., 1] + pa[..., 3], pb[..., 1] + pb[..., 3])
        - np.maximum(pa[..., 1], pb[..., 1]),
    )
    inter = ix * iy
    area_a = np.maximum(0.0, pa[..., 2]) * np.maximum(0.0, pa[..., 3])
    area_b = np.maximum(0.0, pb[..., 2]) * np.maximum(0.0, pb[..., 3])
    union = area_a + area_b - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    dx = (pa[..., 0] + pa[..., 2] / 2) - (pb[..., 0] + pb[..., 2] / 2)
    dy = (pa[..., 1] + pa[..., 3] / 2) - (pb[..., 1] + pb[..., 3] / 2)
    size = np.maximum(np.maximum(pa[..., 2], pa[..., 3]), np.maximum(pb[..., 2], pb[..., 3]))
    return np.asarray((iou > 0.2) | (np.sqrt(dx * dx + dy * dy) < 0.5 * size), bool)


class Coverage:
    """Streams `Planned` frames, in order, from decoded frames; holds at most
    `key_every` frames (the read-ahead to the next keyframe)."""

    def __init__(
        self,
        faces: CenterFaceDetector | None,
        text: TextFinder | None,
        settings: CoverSettings | None = None,
        known: Mapping[int, list[FaceBox]] | None = None,
        beside: Beside | None = None,
    ) -> None:
        self.faces = faces
        self.text = text
        self.s = settings or CoverSettings()
        # Faces an earlier pass's output check found, by frame (`video.deid_video`'s
        # retry): each such frame becomes a keyframe and its faces are added to what the
        # search finds there, so they are carried to every frame that shows the same
        # content, exactly as the keyframe's own detections are.
        self.known: Mapping[int, list[FaceBox]] = known or {}
        self.beside = beside
        self.keyframes = 0
        self.frames = 0
        self.searched_px = 0
        self.frame_px = 0
        self.peak_buffer = 0
        self._guess = motion.identity()  # k1 -> the frame before the next segment

    # -- detection -------------------------------------------------------------------

    def _search(self, rgb: Pixels) -> tuple[list[FaceBox], list[TextBox]]:
        faces = self.faces.detect(rgb) if self.faces is not None else []
        texts = self.text(rgb) if self.text is not None else []
        return faces, texts

    def _key(self, frame: SourceFrame) -> _Key:
        faces, texts = self._search(frame.rgb)
        faces = faces + list(self.known.get(frame.index, ()))
        if self.beside is not None:
            faces = faces + self.beside(frame, faces, texts)
        self.keyframes += 1
        return _Key(frame, motion.features(frame.rgb), faces, texts)

    # -- the stream ------------------------------------------------------------------

    def run(self, frames: Iterable[SourceFrame]) -> Iterator[Planned]:
        k1: _Key | None = None
        buf: list[tuple[SourceFrame, Grey]] = []
        for frame in frames:
            h, w = frame.rgb.shape[:2]
            self.frames += 1
            self.frame_px += h * w
            if k1 is None:
                k1 = self._key(frame)
                self.searched_px += h * w
                yield Planned(frame, k1.faces, k1.texts, True, h * w, list(k1.faces))
                continue
            buf.append((frame, motion.small_grey(frame.rgb)))
            self.peak_buffer = max(self.peak_buffer, len(buf))
            if len(buf) >= self.s.key_every or frame.index in self.known:
                k1 = yield from self._segment(k1, buf)
                buf = []
        if k1 is not None and buf:
            yield from self._segment(k1, buf)

    def _segment(
        self, k1: _Key, buf: list[tuple[SourceFrame, Grey]]
    ) -> Generator[Planned, None, _Key]:
        """Frames after k1 up to and including the next keyframe (the buffer's last).

        Motion from k1 is estimated frame after frame, each started from the last one
        extrapolated (LK then converges for a pan of hundreds of pixels); motion from
        the next keyframe is started from k1's motion composed with k1->k2."""
        from_k1: list[Affine | None] = []
        guess, before = self._guess, self._guess
        for _frame, grey in buf:
            m = motion.estimate(k1.feats, grey, guess)
            from_k1.append(m)
            if m is not None:
                guess, before = m + (m - before), m
        last = buf[-1][0]
        a_last = from_k1[-1]
        forced = last.index in self.known
        if a_last is not None and not forced and self._same_as(k1, last.rgb, a_last):
            return (yield from self._forward(k1, buf, from_k1))
        self._guess = motion.identity()
        k2 = self._key(last)
        h, w = last.rgb.shape[:2]
        self.searched_px += h * w
        a12 = from_k1[-1]
        # The next keyframe also masks k1's faces carried to it (masks only grow: a face
        # found on k1 and missed on k2 by detector flicker stays masked).
        carried_k2 = [] if a12 is None else [move_face(f, a12, self.s.margin_px) for f in k1.faces]
        near: _Key = k1
        near_from_k1: Affine | None = motion.identity()
        for (frame, grey), a1 in zip(buf[:-1], from_k1[:-1], strict=True):
            to_near = (
                None
                if a1 is None or near_from_k1 is None
                else motion.compose(a1, motion.invert(near_from_k1))
            )
            to_k2 = None if a1 is None or a12 is None else motion.compose(a1, motion.invert(a12))
            refs: list[tuple[_Key, Affine | None, bool]] = [
                (near, to_near, near is k1),
                (k2, to_k2, False),
            ]
            planned = self._between(frame, grey, refs)
            if planned is None:  # too much new content: a keyframe of its own
                near, near_from_k1 = self._key(frame), a1
                fh, fw = frame.rgb.shape[:2]
                self.searched_px += fh * fw
                planned = Planned(frame, near.faces, near.texts, True, fh * fw, list(near.faces))
            yield planned
        seen = np.asarray(same_faces(carried_k2, k2.faces).any(axis=1), bool)
        faces = k2.faces + [f for k, f in enumerate(carried_k2) if not seen[k]]
        yield Planned(last, faces, k2.texts, True, h * w, list(k2.faces))
        return k2

    def _same_as(self, key: _Key, rgb: Pixels, m: Affine) -> bool:
        """Every block of `rgb` is `key`'s content moved by `m`, or under its masks."""
        h, w = rgb.shape[:2]
        moved = _regions(
            [move_face(f, m, self.s.margin_px) for f in key.faces],
            [move_text(b, m, self.s.margin_px) for b in key.texts],
        )
        covered = motion.matched_blocks(key.frame.rgb, rgb, m)
        return bool((covered | motion.block_coverage(union_mask(moved, h, w))).all())

    def _forward(
        self,
        k1: _Key,
        buf: list[tuple[SourceFrame, Grey]],
        from_k1: list[Affine | None],
    ) -> Generator[Planned, None, _Key]:
        """The segment's last frame shows nothing k1 did not (a still or slow scene):
        no keyframe search. Every frame is compared with k1 itself (never with a frame
        that was only compared with k1: differences cannot add up), new content in
        between is searched in windows, and k1 stays the reference for the next
        segment. The last frame is a checkpoint: verification searches around its masks
        as on a keyframe."""
        near: _Key = k1
        near_from_k1: Affine | None = motion.identity()
        for k, ((frame, grey), a1) in enumerate(zip(buf, from_k1, strict=True)):
            to_near = (
                None
                if a1 is None or near_from_k1 is None
                else motion.compose(a1, motion.invert(near_from_k1))
            )
            planned = self._between(frame, grey, [(near, to_near, near is k1)])
            if planned is None:
                near, near_from_k1 = self._key(frame), a1
                fh, fw = frame.rgb.shape[:2]
                self.searched_px += fh * fw
                planned = Planned(frame, near.faces, near.texts, True, fh * fw, list(near.faces))
            planned.checkpoint = k == len(buf) - 1
            yield planned
        a_last = from_k1[-1]
        if near is k1 and a_last is not None:
            self._guess = a_last
        else:
            self._guess = motion.identity()
            if near is not k1 and a_last is not None and near_from_k1 is not None:
                self._guess = motion.compose(a_last, motion.invert(near_from_k1))
        return near

    def _between(
        self,
        frame: SourceFrame,
        grey: npt.NDArray[np.uint8],
        refs: list[tuple[_Key, Affine | None, bool]],
    ) -> Planned | None:
        rgb = frame.rgb
        h, w = rgb.shape[:2]
        rows, cols = -(-h // motion.BLOCK), -(-w // motion.BLOCK)
        covered = np.zeros((rows, cols), bool)
        faces: list[FaceBox] = []
        texts: list[TextBox] = []
        # (reference, motion guess, whether the guess is already this frame's estimate
        # from that reference: k1's motion, estimated frame by frame in `_segment`).
        for ref, guess, estimated in refs:
            m = (
                guess
                if estimated and guess is not None
                else motion.estimate(ref.feats, grey, guess)
            )
            if m is None:
                continue
            # A later reference is asked only about the blocks the earlier ones left
            # (in a pan, a corner of the frame): the same answer there, a part of the cost.
            todo = ~covered
            if todo.any():
                rows, cols = np.flatnonzero(todo.any(axis=1)), np.flatnonzero(todo.any(axis=0))
                only = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
                covered |= motion.matched_blocks(ref.frame.rgb, rgb, m, only=only)
            faces += [move_face(f, m, self.s.margin_px) for f in ref.faces]
            texts += [move_text(b, m, self.s.margin_px) for b in ref.texts]
        covered |= motion.block_coverage(union_mask(_regions(faces, texts), h, w))
        new = ~covered
        if float(new.mean()) > self.s.max_new:
            return None
        found: list[FaceBox] = []
        searched = 0
        for x0, y0, x1, y1 in new_windows(new, self.s.context_blocks, w, h):
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
            searched += (x1 - x0) * (y1 - y0)
            if self.faces is not None:
                found += [_shift_face(f, x0, y0) for f in self.faces.detect(crop)]
            if self.text is not None and self.s.text_in_windows:
                texts += [_shift_text(b, x0, y0) for b in self.text(pad_to(crop, TEXT_SIDE))]
        self.searched_px += searched
        # The same face carried from both keyframes (and found again in a window) is one
        # mask: their union (nms never shrinks a box), not two overlapping redactions.
        return Planned(frame, nms(faces + found, 0.3), texts, False, searched, found)
