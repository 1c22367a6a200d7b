"""A test oracle for residual metadata, written apart from the production allow-list.

`clearpost.engine.media.verify_metadata` decides in production which ExifTool tags
may stay. A test that judged outputs with that same list would only prove the list
agrees with itself, so this oracle asks two different questions:

1. Does any tag of an identifying *kind* remain? The kinds are named here from
   ExifTool's group and tag vocabulary (GPS, XMP, IPTC, maker notes, Photoshop
   resources, QuickTime user data, text chunks, comments, camera make/model/serial,
   owner, software, dates that are not zeroed), independently of what the engine keeps.
2. Does any identifying *value* of the input (a make, model, owner, serial number,
   software name, caption, GPS reference...) still appear anywhere in the output's
   bytes or in what ExifTool reads from it?

Either answer being yes is a leak.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Family-1 groups that only ever hold identifying or free-form data.
IDENTIFYING_GROUPS = re.compile(
    r"^(GPS|XMP(-.*)?|IPTC|MakerNotes|Photoshop|ItemList|UserData|Keys|Ducky|FlashPix|"
    r"MPF0|MPImage\d*|PrintIM|Apple|Canon.*|Nikon.*|Sony.*|Olympus.*|Panasonic.*|"
    r"Pentax.*|Fujifilm.*|Casio.*|Ricoh.*|Samsung.*|Kodak.*|Minolta.*|Sanyo.*|Sigma.*|"
    r"JVC|GE|FLIR|GoPro|InfiRay|Motorola|AFCP|FotoStation|PhotoMechanic|MWG)$"
)
# Tag names that identify a person, a device, a place, software or a moment.
IDENTIFYING_TAGS = re.compile(
    r"(Make|Model|Serial|Owner|Artist|Author|Creator|Copyright|Software|Comment|"
    r"Description|Title|Caption|Keywords|Subject|Location|City$|Country|Address|GPS|"
    r"Latitude|Longitude|Altitude|Lens|DateTimeOriginal|DateTimeDigitized|SubSecTime|"
    r"OffsetTime|UniqueID|DocumentID|InstanceID|History|Rating|Label|Face|Person|"
    r"HostComputer|Encoder|Writer|Credit|Source$|Contact|Email|URL|Thumbnail|PreviewImage)",
    re.IGNORECASE,
)
_ZERO_DATE = re.compile(r"^0000:00:00 00:00:00")
# Values worth looking for in the output: identifying tags with real words in them.
_VALUE_TAGS = re.compile(
    r"(Make|Model|Serial|Owner|Artist|Author|Creator|Copyright|Software|Comment|"
    r"Description|Title|Caption|Keywords|City|Country|HostComputer|Writer|Credit)$",
    re.IGNORECASE,
)
# ExifTool's own bookkeeping and the file's structure, not metadata of the photo.
_STRUCTURE = re.compile(r"^(ExifTool|System|File|Composite)$")
# Names the oracle allows even though they match IDENTIFYING_TAGS: structure, not identity.
_STRUCTURAL_NAMES = {
    "HandlerDescription",  # QuickTime track handler ("VideoHandler")
    "CompressorName",  # codec name in the sample description
    "ProfileDescription",  # ICC profile name ("sRGB IEC61966-2.1")
    "ProfileCopyright",  # ICC profile licence text of the colour profile
    "ProfileCreator",
    "DeviceModel",  # ICC profile fields describe the profile, not a camera
    "DeviceManufacturer",
    "PrimaryPlatform",
    "ProfileCMMType",
    "CMMFlags",
    "DeviceAttributes",
    "DeviceModelDesc",
    "DeviceMfgDesc",
    "MediaLanguageCode",
    "SampleGroupDescription",  # MP4 sample table box
}


def exiftool_tags(path: Path) -> dict[str, Any]:
    """Everything ExifTool reads from `path`, embedded streams included."""
    out = subprocess.run(  # noqa: S603 - fixed arguments, a test-data path
        ["exiftool", "-j", "-G0:1", "-a", "-u", "-ee", str(path)],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    record: dict[str, Any] = json.loads(out)[0]
    return record


def _split(key: str) -> tuple[str, str, str]:
    parts = key.split(":")
    if len(parts) >= 3:
        return parts[0], parts[1], parts[-1]
    if len(parts) == 2:
        return parts[0], parts[0], parts[1]
    return "", "", key


def leaked_tags(after: Mapping[str, Any]) -> list[str]:
    """Tags of an identifying kind still present in an output."""
    out = []
    for key, value in after.items():
        if key == "SourceFile":
            continue
        g0, g1, name = _split(key)
        if _STRUCTURE.match(g0) or _STRUCTURE.match(g1):
            if g0 == "ExifTool" and name == "Warning" and "trailer" in str(value).lower():
                out.append(f"{key} = {value}")
            continue
        if g0 == "ICC_Profile" and name in _STRUCTURAL_NAMES | {"ProfileDateTime"}:
            continue
        if name.endswith("Date") or name.startswith("Date") or "DateTime" in name:
            if not _ZERO_DATE.match(str(value)):
                out.append(f"{key} = {value}")
            continue
        if name in _STRUCTURAL_NAMES:
            continue
        if IDENTIFYING_GROUPS.match(g1) or IDENTIFYING_TAGS.search(name):
            out.append(key)
    return sorted(out)


def identifying_values(before: Mapping[str, Any]) -> set[str]:
    """Distinctive values of identifying tags in an input (at least 5 characters,
    with letters), to look for in the output."""
    values = set()
    for key, value in before.items():
        g0, _, name = _split(key)
        if _STRUCTURE.match(g0) or g0 == "ICC_Profile" or not _VALUE_TAGS.search(name):
            continue
        text = str(value).strip()
        if len(text) >= 5 and re.search(r"[A-Za-z]{3}", text) and not text.startswith("(Binary"):
            values.add(text)
    return values


def leaked_values(before: Mapping[str, Any], after_path: Path) -> list[str]:
    """Identifying values of the input that appear in the output's bytes or tags."""
    data = after_path.read_bytes()
    after_text = json.dumps(exiftool_tags(after_path))
    out = []
    for value in sorted(identifying_values(before)):
        if value.encode("utf-8", "ignore") in data or json.dumps(value)[1:-1] in after_text:
            out.append(value)
    return out
