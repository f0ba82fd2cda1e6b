"""Turning an uploaded photo into the three JPEGs the clinic keeps, with Pillow.

Pure: bytes in, bytes out; no ORM, no settings (the service passes the limits). What is kept:

- ``image``: at most ``FULL_EDGE`` pixels on the long side, upright, sRGB, JPEG;
- ``thumb``: at most ``THUMB_EDGE`` on the long side, for every page that lists or compares;
- ``crop``: the area's frame (``AREA_FRAMES``) cut from the centre, ``CROP_WIDTH`` wide, for
  the gallery.

Every one is a new image encoded from pixels only: no EXIF (GPS position, camera serial,
time), no XMP, no ICC profile (colours are converted to sRGB first), no JPEG comment. The upload
itself is read once and never written anywhere.
"""

import io
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

FULL_EDGE = 2000
THUMB_EDGE = 720
CROP_WIDTH = 1080
JPEG_QUALITY = 85
THUMB_QUALITY = 80
# What phones and cameras hand a browser. MPO is a JPEG with a second picture (some phones).
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
# Width:height of each area's frame in the gallery: portrait for a face or a body area, square
# for a neck or the hands, landscape for the décolletage.
AREA_FRAMES = {
    "face": (4, 5),
    "neck": (1, 1),
    "decolletage": (4, 3),
    "abdomen": (4, 5),
    "thighs": (4, 5),
    "arms": (4, 5),
    "hands": (1, 1),
    "back": (4, 5),
}
_SRGB = ImageCms.createProfile("sRGB")
_TRUNCATION_LOCK = threading.Lock()


class PhotoRejected(ValueError):
    """The upload cannot become a photo; ``str(exc)`` says why in plain words."""


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumb: bytes
    crop: bytes
    width: int
    height: int
    thumb_width: int
    thumb_height: int


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _open_checked(fileobj, *, max_pixels: int) -> Image.Image:
    """Open the upload (its header only) and check what it is and how big it is before a single
    pixel is decoded: a decompression bomb is refused by its declared size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fileobj)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected(
            "This image declares far more pixels than any camera takes, so it was not opened "
            f"(at most {max_pixels / 1_000_000:.0f} megapixels)."
        ) from exc
    except UnidentifiedImageError as exc:
        raise PhotoRejected("This file is not a photo we can read. Take the photo again, or choose a JPEG.") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise PhotoRejected("This file is damaged or not a photo. Take the photo again, or choose a JPEG.") from exc
    if image.format not in ACCEPTED_FORMATS:
        hint = " On an iPhone, choose Settings › Camera › Formats › Most Compatible." if image.format == "HEIF" else ""
        raise PhotoRejected(f"Photos must be JPEG, PNG or WebP (this one is {image.format or 'unknown'}).{hint}")
    width, height = image.size
    if width < 1 or height < 1:
        raise PhotoRejected("This image has no pixels.")
    if width * height > max_pixels:
        raise PhotoRejected(
            f"This image is {width} × {height} pixels ({width * height / 1_000_000:.0f} megapixels); "
            f"the most we take is {max_pixels / 1_000_000:.0f} megapixels. Choose a smaller photo."
        )
    return image


@contextmanager
def _truncated_files_refused():
    """WeasyPrint, once imported, tells Pillow to load cut-off files with grey where the data
    ends (``ImageFile.LOAD_TRUNCATED_IMAGES``, a module global): a photo cut off by a dropped
    connection must be refused instead, so the flag is off while an upload is decoded. The lock
    keeps two threads from restoring each other's value."""
    with _TRUNCATION_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _decoded(fileobj, *, max_pixels: int) -> Image.Image:
    """The upload's pixels, upright. ``verify`` reads the whole file structure (a PNG's
    checksums, for one) without decoding; the file is then opened again, because a verified
    image cannot be loaded."""
    with _truncated_files_refused():
        return _decoded_strictly(fileobj, max_pixels=max_pixels)


def _decoded_strictly(fileobj, *, max_pixels: int) -> Image.Image:
    image = _open_checked(fileobj, max_pixels=max_pixels)
    try:
        image.verify()
    except Exception as exc:  # Pillow raises many types for a broken file; every one is a refusal
        raise PhotoRejected("This file is damaged or not a photo. Take the photo again, or choose a JPEG.") from exc
    fileobj.seek(0)
    image = _open_checked(fileobj, max_pixels=max_pixels)
    width, height = image.size
    if image.format in ("JPEG", "MPO"):
        # Decode straight at a half, a quarter or an eighth of the size when that is still at
        # least FULL_EDGE on the long side: most of the time of a 12-megapixel photo is saved here.
        ratio = FULL_EDGE / max(width, height)
        if ratio < 1:
            image.draft("RGB", (max(1, round(width * ratio)), max(1, round(height * ratio))))
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except Exception as exc:  # a truncated file fails here, after its header looked fine
        raise PhotoRejected("This photo is incomplete or damaged. Take it again, or choose another file.") from exc
    return _as_srgb(upright, icc_profile=image.info.get("icc_profile"))


def _as_srgb(image: Image.Image, *, icc_profile: bytes | None) -> Image.Image:
    """Plain RGB pixels in sRGB: a wide-gamut phone photo (Display P3) is converted, so that the
    colours stay right once its profile is dropped; transparency goes onto white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc_profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are rather than refuse the photo
    return image


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    # Nothing but pixels: Pillow would copy a JPEG comment from ``info``; EXIF, XMP and ICC are
    # written only when passed, and none is.
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _fitted(image: Image.Image, edge: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return copy


def area_crop(image: Image.Image, *, area: str) -> Image.Image:
    """The area's frame cut from the centre of the photo, ``CROP_WIDTH`` wide (or narrower for
    a small photo): photos are taken framed on the area, so the centre holds it, and every
    gallery image of one area comes out the same shape."""
    frame_w, frame_h = AREA_FRAMES.get(area, (4, 5))
    width = min(CROP_WIDTH, image.width, round(image.height * frame_w / frame_h))
    height = max(1, round(width * frame_h / frame_w))
    return ImageOps.fit(image, (max(1, width), height), Image.Resampling.BICUBIC, centering=(0.5, 0.5))


def process_photo(fileobj, *, size: int, area: str, max_bytes: int, max_pixels: int) -> ProcessedPhoto:
    """Check and convert one upload (a file object of ``size`` bytes). Raises ``PhotoRejected``
    with a sentence for the practitioner: too large in bytes or pixels, a decompression bomb,
    not an image, damaged, a format we do not take."""
    if size > max_bytes:
        raise PhotoRejected(
            f"This file is {_megabytes(size)}; the most we take is {_megabytes(max_bytes)}. "
            "Choose a smaller photo (a phone photo is usually 2 to 6 MB)."
        )
    if size == 0:
        raise PhotoRejected("This file is empty. Take the photo again.")
    image = _decoded(fileobj, max_pixels=max_pixels)
    full = _fitted(image, FULL_EDGE) if max(image.size) > FULL_EDGE else image
    thumb = _fitted(full, THUMB_EDGE)
    crop = area_crop(full, area=area)
    return ProcessedPhoto(
        image=_jpeg(full, quality=JPEG_QUALITY),
        thumb=_jpeg(thumb, quality=THUMB_QUALITY),
        crop=_jpeg(crop, quality=JPEG_QUALITY),
        width=full.width,
        height=full.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )
