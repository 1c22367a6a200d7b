from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from clearpost.engine.media.containers.provenance import provenance
from clearpost.engine.media.exiftool import ExifTool, ExifToolUnavailable
from clearpost.engine.media.verify_metadata import removed_tags, residual_from_tags

from .scrub_helpers import gradient


@pytest.mark.parametrize(
    ("tags", "residual"),
    [
        ({"File:FileType": "JPEG", "JFIF:XResolution": 72}, []),
        ({"EXIF:IFD0:Orientation": "Rotate 90 CW"}, []),
        ({"EXIF:IFD0:Make": "Apple"}, ["EXIF:IFD0:Make"]),
        ({"EXIF:GPS:GPSLatitude": "48 deg"}, ["EXIF:GPS:GPSLatitude"]),
        ({"XMP:XMP-xmp:CreatorTool": "Photoshop"}, ["XMP:XMP-xmp:CreatorTool"]),
        ({"File:Comment": "Jane"}, ["File:Comment"]),
        ({"PNG:Author": "Jane"}, ["PNG:Author"]),
        ({"QuickTime:CreateDate": "0000:00:00 00:00:00"}, []),
        ({"QuickTime:CreateDate": "2024:05:01 10:00:00"}, ["QuickTime:CreateDate = 2024:05:01 10:00:00"]),
        ({"QuickTime:Keys:GPSCoordinates": "48 N"}, ["QuickTime:Keys:GPSCoordinates"]),
        ({"QuickTime:UserData:Make": "Apple"}, ["QuickTime:UserData:Make"]),
        ({"ICC_Profile:ICC-header:ProfileDateTime": "2022:05:15 16:29:22"},
         ["ICC_Profile:ICC-header:ProfileDateTime = 2022:05:15 16:29:22"]),
        ({"EXIF:IFD1:ThumbnailImage": "(Binary data 5000 bytes, use -b option to extract)"},
         ["embedded image: EXIF:IFD1:ThumbnailImage"]),
        ({"ExifTool:Warning": "[minor] Trailer data after PNG IEND chunk"},
         ["trailing data: [minor] Trailer data after PNG IEND chunk"]),
        ({"ExifTool:Error": "File format error"}, ["unreadable: File format error"]),
        ({"MakerNotes:Canon:SerialNumber": "123"}, ["MakerNotes:Canon:SerialNumber"]),
        ({"SomeFutureGroup:Tag": "x"}, ["SomeFutureGroup:Tag"]),
    ],
)  # fmt: skip
def test_residual_is_an_allow_list(tags: dict[str, object], residual: list[str]) -> None:
    assert residual_from_tags(tags) == residual


def test_removed_tags_use_family_zero_names() -> None:
    before = {"EXIF:IFD0:Make": "A", "EXIF:IFD1:XResolution": 72, "EXIF:IFD0:XResolution": 72,
              "File:System:FileName": "Jane.jpg", "JFIF:XResolution": 72}  # fmt: skip
    after = {"JFIF:XResolution": 72}
    assert removed_tags(before, after) == ["EXIF:Make", "EXIF:XResolution"]


def test_missing_exiftool_fails_closed(tmp_path: Path) -> None:
    reader = ExifTool(executable=str(tmp_path / "no-such-exiftool"))
    reader.executable = None
    with pytest.raises(ExifToolUnavailable, match="not installed"):
        reader.read(tmp_path / "x.jpg")


def test_exiftool_reads_odd_file_names(tmp_path: Path) -> None:
    path = tmp_path / "line\nbreak é.png"
    gradient().save(path, "PNG")
    reader = ExifTool()
    try:
        tags = reader.read(path)
    finally:
        reader.close()
    assert tags["PNG:ImageWidth"] == 64


@pytest.mark.parametrize(
    ("tags", "camera", "software", "edited"),
    [
        ({"EXIF:IFD0:Make": "Apple", "EXIF:IFD0:Model": "iPhone 15", "EXIF:IFD0:Software": "17.1"},
         "Apple iPhone 15", "17.1", False),
        ({"EXIF:IFD0:Make": "Canon", "EXIF:IFD0:Model": "Canon EOS R5"}, "Canon EOS R5", None, False),
        ({"XMP:XMP-xmp:CreatorTool": "Adobe Photoshop 25.0"}, None, "Adobe Photoshop 25.0", True),
        ({"XMP:XMP-xmpMM:HistoryAction": "saved"}, None, None, True),
        ({"Photoshop:Photoshop:IPTCDigest": "abc"}, None, None, True),
        ({"XMP:XMP-crs:Exposure2012": "+0.5"}, None, None, True),
        ({"EXIF:IFD0:Software": "Facetune2"}, None, "Facetune2", True),
    ],
)  # fmt: skip
def test_provenance_signals(
    tags: dict[str, object], camera: str | None, software: str | None, edited: bool
) -> None:
    p = provenance(tags)
    assert (p.camera, p.software, p.edited) == (camera, software, edited)
    assert bool(p.edit_signals) == edited


def _exif_with_thumbnail(thumb: Image.Image) -> bytes:
    buf = io.BytesIO()
    thumb.save(buf, "JPEG")
    exif = Image.Exif()
    exif[0x010F] = "Cam"
    raw = exif.tobytes()
    data = raw[6:] if raw.startswith(b"Exif") else raw  # TIFF body
    # Append IFD1 pointing at the thumbnail: rebuild by hand (Pillow does not write IFD1).
    import struct

    tiff = bytearray(data)
    e = "<" if tiff[:2] == b"II" else ">"
    thumb_bytes = buf.getvalue()
    ifd0 = struct.unpack(e + "I", tiff[4:8])[0]
    count = struct.unpack(e + "H", tiff[ifd0 : ifd0 + 2])[0]
    next_ptr = ifd0 + 2 + 12 * count
    ifd1 = len(tiff)
    tiff[next_ptr : next_ptr + 4] = struct.pack(e + "I", ifd1)
    thumb_off = ifd1 + 2 + 24 + 4
    tiff += struct.pack(e + "H", 2)
    tiff += struct.pack(e + "HHII", 0x0201, 4, 1, thumb_off)
    tiff += struct.pack(e + "HHII", 0x0202, 4, 1, len(thumb_bytes))
    tiff += b"\x00\x00\x00\x00" + thumb_bytes
    return bytes(tiff)


@pytest.mark.parametrize(("mismatch", "edited"), [(False, False), (True, True)])
def test_thumbnail_that_does_not_match_is_an_edit_signal(mismatch: bool, edited: bool) -> None:
    main = gradient(320, 240)
    buf = io.BytesIO()
    main.save(buf, "JPEG", quality=95)
    thumb = main.resize((160, 120))
    if mismatch:
        thumb = Image.new("RGB", (160, 120), (255, 0, 0))
    p = provenance({}, exif=[_exif_with_thumbnail(thumb)], image=buf.getvalue())
    assert p.edited is edited
