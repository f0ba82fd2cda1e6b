"""Image files for the photo tests, made with Pillow: a phone photo with GPS and a camera serial
in its EXIF, broken files, decompression bombs."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFilter

SERIAL = "CAM-SERIAL-7781-XQ"
OWNER = "Dr Exif Owner"
COMMENT = "comment-with-secret-place"
# 51°27'12.5"N 2°35'1"W: the latitude as EXIF rationals.
LATITUDE = (51.0, 27.0, 12.5)
LONGITUDE = (2.0, 35.0, 1.0)


def phone_exif(*, orientation: int = 6) -> Image.Exif:
    """EXIF as a phone writes it: make, model, serial, owner, time, orientation, and the GPS
    position in its own IFD (tag 0x8825)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15 Pro"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2026:03:05 14:02:11"
    exif[ExifTags.Base.Artist] = OWNER
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.BodySerialNumber] = SERIAL
    exif_ifd[ExifTags.Base.LensSerialNumber] = SERIAL
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = LONGITUDE
    gps[ExifTags.GPS.GPSAltitude] = 12.0
    return exif


def skin_image(size=(1200, 900), *, seed: int = 0) -> Image.Image:
    """A soft, skin-toned picture with a dark mark in its top-left corner (so a test can tell
    which way up it is stored)."""
    width, height = size
    image = Image.new("RGB", size, (224, 180, 160))
    draw = ImageDraw.Draw(image)
    for n in range(6):
        x = (seed * 97 + n * 211) % max(1, width)
        y = (seed * 53 + n * 131) % max(1, height)
        r = max(4, min(width, height) // 8)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(206, 150, 135))
    image = image.filter(ImageFilter.GaussianBlur(radius=max(1, min(width, height) // 60)))
    mark = max(2, min(width, height) // 10)
    ImageDraw.Draw(image).rectangle((0, 0, mark, mark), fill=(20, 20, 20))
    return image


def phone_jpeg(size=(1200, 900), *, orientation: int = 6, icc: bytes | None = None, seed: int = 0) -> bytes:
    """A JPEG like a phone's: landscape pixels with an orientation tag (6: turn it a quarter
    clockwise to view it), GPS, serial and owner in EXIF, a JPEG comment, maybe an ICC profile."""
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc else {}
    skin_image(size, seed=seed).save(
        out, "JPEG", quality=90, exif=phone_exif(orientation=orientation), comment=COMMENT.encode(), **extra
    )
    return out.getvalue()


def png_bytes(size=(800, 600), mode="RGB") -> bytes:
    out = io.BytesIO()
    image = skin_image(size).convert(mode) if mode != "RGBA" else skin_image(size).convert("RGBA")
    if mode == "RGBA":
        image.putalpha(0)  # fully transparent: comes out white
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` × ``height`` pixels in a few hundred bytes: its pixel data
    is one compressed row of zeros, so decoding it would ask for gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    data = zlib.compress(b"\x00" * (width + 1), 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def icc_profile() -> bytes:
    """An ICC profile to embed, as phones do (theirs is Display P3; LittleCMS builds sRGB)."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def upload(content: bytes, name: str = "IMG_0001.JPG", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
