"""Independent re-read of an output's metadata with ExifTool.

The check is an allow-list, not a block-list: a tag is acceptable only if it is known
to describe the image's structure (size, codec, colour); anything else, including
tags ExifTool adds in a future version, counts as residual and the file is not
cleared. Dates may remain only when zeroed. Embedded images and trailing data are
reported on their own lines so a reviewer sees why a file failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from clearpost.engine.media.exiftool import ExifTool, shared

IGNORED_GROUPS = {"ExifTool", "System", "Composite"}
_ZERO_DATES = {"0000:00:00 00:00:00", "0000:00:00 00:00:00Z", "0000:00:00 00:00:00+00:00"}
_DATE_TAGS = {
    "CreateDate", "ModifyDate", "TrackCreateDate", "TrackModifyDate", "MediaCreateDate",
    "MediaModifyDate", "ProfileDateTime",
}  # fmt: skip
_QT_ALLOWED = {
    "MajorBrand", "MinorVersion", "CompatibleBrands", "MediaDataSize", "MediaDataOffset",
    "MediaData", "MovieHeaderVersion", "TimeScale", "Duration", "PreferredRate",
    "PreferredVolume", "PreviewTime", "PreviewDuration", "PosterTime", "SelectionTime",
    "SelectionDuration", "CurrentTime", "NextTrackID", "TrackHeaderVersion", "TrackID",
    "TrackDuration", "TrackLayer", "TrackVolume", "MatrixStructure", "ImageWidth",
    "ImageHeight", "MediaHeaderVersion", "MediaTimeScale", "MediaDuration",
    "MediaLanguageCode", "HandlerClass", "HandlerType", "HandlerDescription", "HandlerVendorID",
    "GraphicsMode", "OpColor", "CompressorID", "SourceImageWidth", "SourceImageHeight",
    "XResolution", "YResolution", "CompressorName", "BitDepth", "VideoFrameRate",
    "BufferSize", "MaxBitrate", "AverageBitrate", "Balance", "AudioFormat", "AudioChannels",
    "AudioBitsPerSample", "AudioSampleRate", "PixelAspectRatio", "ColorProfiles",
    "ColorPrimaries", "TransferCharacteristics", "MatrixCoefficients", "VideoFullRangeFlag",
    "CleanAperture", "ChromaFormat", "BitDepthLuma", "BitDepthChroma",
    "HEVCConfigurationVersion", "GeneralProfileSpace", "GeneralTierFlag", "GeneralProfileIDC",
    "GenProfileCompatibilityFlags", "ConstraintIndicatorFlags", "GeneralLevelIDC",
    "MinSpatialSegmentationIDC", "ParallelismType", "AverageFrameRate", "ConstantFrameRate",
    "NumTemporalLayers", "TemporalIDNested", "ImageSpatialExtent", "ImagePixelDepth",
    "PrimaryItemReference", "AV1ConfigurationVersion", "SeqProfile", "SeqLevelIdx0",
    "SeqTier0", "HighBitDepth", "TwelveBit", "ChromaSamplePosition", "InitialDelaySamples",
    "AuxiliaryImageType", "Rotation", "ImageRotation", "ImageMirror", "MonochromeGrayscale",
    "ChromaSubsamplingX", "ChromaSubsamplingY", "AVCConfigurationVersion", "AVCProfileIndication",
    "AVCProfileCompat", "AVCLevelIndication", "NALUnitLength", "EditListVersion",
    "TimeCode", "PlaybackFrameRate", "Encoder", "MediaVendorID", "VendorID", "SampleCount",
    "TrackProperty", "ContentDescribes", "PixelAspectRatioH", "PixelAspectRatioV",
    "Free", "Wide", "Skip", "Unknown_edts", "AVCConfiguration", "HEVCConfiguration",
    "SyncSampleTable", "CompositionTimeToSample", "SampleToChunk", "SampleSizes", "ChunkOffset",
    "ChunkOffset64", "TimeToSampleTable", "SampleGroupDescription", "SampleToGroup",
    "PurchaseFileFormat", "Unknown_mp4a", "Unknown_esds", "LayoutFlags",
    "IdependentAndDisposableSamples", "CompositionToDecodeTimelineMapping",
    "ChannelLayout", "Unknown_mp4v", "Unknown_btrt", "Unknown_pasp", "Unknown_colr",
}  # fmt: skip
ALLOWED: dict[str, set[str]] = {
    "File": {
        "FileType", "FileTypeExtension", "MIMEType", "ImageWidth", "ImageHeight",
        "EncodingProcess", "BitsPerSample", "ColorComponents", "YCbCrSubSampling",
        "ExifByteOrder",
    },
    "EXIF": {"Orientation"},
    "JFIF": {"JFIFVersion", "ResolutionUnit", "XResolution", "YResolution"},
    "APP14": {"DCTEncodeVersion", "APP14Flags0", "APP14Flags1", "ColorTransform"},
    "PNG": {
        "ImageWidth", "ImageHeight", "BitDepth", "ColorType", "Compression", "Filter",
        "Interlace", "Gamma", "WhitePointX", "WhitePointY", "RedX", "RedY", "GreenX",
        "GreenY", "BlueX", "BlueY", "SRGBRendering", "PixelsPerUnitX", "PixelsPerUnitY",
        "PixelUnits", "BackgroundColor", "Palette", "Transparency", "SignificantBits",
        "AnimationFrames", "AnimationPlays", "ProfileName", "ColorPrimaries",
        "TransferCharacteristics", "MatrixCoefficients", "VideoFullRangeFlag",
    },
    "GIF": {
        "GIFVersion", "ImageWidth", "ImageHeight", "HasColorMap", "ColorResolutionDepth",
        "BitsPerPixel", "BackgroundColor", "PixelAspectRatio", "AnimationIterations",
        "TransparentColor", "FrameCount", "Duration", "AnimationExtension",
    },
    "RIFF": {
        "WebP_Flags", "ImageWidth", "ImageHeight", "AlphaPreprocessing", "AlphaFiltering",
        "AlphaCompression", "VP8Version", "HorizontalScale", "VerticalScale",
        "BackgroundColor", "AnimationLoopCount", "AnimationFrames", "LosslessType",
    },
    "QuickTime": _QT_ALLOWED,
}  # fmt: skip
_EMBEDDED_HINTS = ("image", "thumbnail", "preview", "jpgfrom", "video", "picture", "pict")
_FORBIDDEN_FAMILY1 = {"Keys", "ItemList", "UserData", "GPS", "XMP", "MakerNotes"}


def split_key(key: str) -> tuple[str, str, str]:
    """'EXIF:IFD0:Make' -> ('EXIF', 'IFD0', 'Make'); 'PNG:Gamma' -> ('PNG', 'PNG', 'Gamma')."""
    parts = key.split(":")
    if len(parts) >= 3:
        return parts[0], parts[1], parts[-1]
    if len(parts) == 2:
        return parts[0], parts[0], parts[1]
    return "", "", key


def _is_binary(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("(Binary data ")


def residual_from_tags(tags: Mapping[str, Any]) -> list[str]:
    """The identifying or unexplained tags among an ExifTool JSON record."""
    out: list[str] = []
    for key, value in tags.items():
        if key == "SourceFile":
            continue
        g0, g1, name = split_key(key)
        if g0 == "ExifTool" and name == "Error":
            out.append(f"unreadable: {value}")
            continue
        if g0 == "ExifTool" and name == "Warning" and "trailer" in str(value).lower():
            out.append(f"trailing data: {value}")
            continue
        low = name.lower()
        if g1 == "System":
            continue
        if _is_binary(value) and name != "MediaData" and any(h in low for h in _EMBEDDED_HINTS):
            out.append(f"embedded image: {key}")
            continue
        if g0 in IGNORED_GROUPS or g1 in IGNORED_GROUPS:
            continue
        if name in _DATE_TAGS and g0 in ("QuickTime", "ICC_Profile"):
            if str(value).strip() not in _ZERO_DATES:
                out.append(f"{key} = {value}")
            continue
        if g0 == "ICC_Profile":  # only standard profiles are kept; see containers.common
            continue
        if g1 in _FORBIDDEN_FAMILY1 or name not in ALLOWED.get(g0, set()):
            out.append(key)
    return out


def residual_metadata(
    path: Path, *, embedded: bool = False, reader: ExifTool | None = None
) -> list[str]:
    """Re-read `path` with ExifTool; [] means nothing identifying was found.

    `embedded` adds -ee (timed metadata in video tracks, trailers). Raises Refusal
    (fail closed) when ExifTool is missing or cannot read the file.
    """
    tags = (reader or shared()).read(path, *(["-ee"] if embedded else []))  # composite tags too
    return residual_from_tags(tags)


def tag_names(tags: Mapping[str, Any]) -> set[str]:
    """'Family0:Tag' names of the metadata tags in a record (structure groups excluded)."""
    names = set()
    for key in tags:
        g0, g1, name = split_key(key)
        if (
            g0 in IGNORED_GROUPS
            or g1 in IGNORED_GROUPS
            or (g0 == "File" and name in ALLOWED["File"])
        ):
            continue
        names.add(f"{g0}:{name}")
    return names


def removed_tags(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(tag_names(before) - tag_names(after))


def merge_unique(*lists: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return list(seen)
