"""Turning an upload into the JPEGs the clinic keeps: upright, no EXIF at all, limits held.
Pure Pillow, no database."""

import io

import pytest
from PIL import ExifTags, Image, ImageFile

from aftercare.photos.processing import (
    CROP_WIDTH,
    FULL_EDGE,
    THUMB_EDGE,
    PhotoRejected,
    area_crop,
    process_photo,
)
from aftercare.tests.photo_files import (
    COMMENT,
    OWNER,
    SERIAL,
    bomb_png,
    icc_profile,
    phone_jpeg,
    png_bytes,
    skin_image,
)

LIMITS = {"max_bytes": 20_000_000, "max_pixels": 40_000_000}


def _process(content: bytes, area="face", **limits):
    return process_photo(io.BytesIO(content), size=len(content), area=area, **{**LIMITS, **limits})


def _no_metadata(jpeg: bytes) -> None:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    for key in ("exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp", "photoshop"):
        assert key not in image.info, key
    # And in the bytes themselves: no APP1 "Exif" block, no serial, no owner, no comment.
    for marker in (
        b"Exif\x00\x00",
        b"GPS",
        SERIAL.encode(),
        OWNER.encode(),
        COMMENT.encode(),
        b"ICC_PROFILE",
        b"iPhone",
    ):
        assert marker not in jpeg, marker


def test_a_phone_photo_is_stored_upright_with_no_exif_gps_serial_icc_or_comment():
    original = phone_jpeg((1200, 900), orientation=6, icc=icc_profile())
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry a position
    assert SERIAL.encode() in original

    processed = _process(original)

    for jpeg in (processed.image, processed.thumb, processed.crop):
        _no_metadata(jpeg)
    stored = Image.open(io.BytesIO(processed.image))
    # Orientation 6: the landscape pixels are turned into a portrait photo, the dark mark that
    # was top-left in the file is now top-right, as the phone showed it.
    assert stored.size == (900, 1200) == (processed.width, processed.height)
    assert stored.convert("L").getpixel((890, 5)) < 80
    assert stored.convert("L").getpixel((5, 5)) > 120


def test_a_large_photo_is_scaled_to_the_kept_size_and_a_thumbnail():
    processed = _process(phone_jpeg((4000, 3000), orientation=1))
    assert max(processed.width, processed.height) <= FULL_EDGE
    assert processed.width >= FULL_EDGE - 1  # decoded at half size: 2000 × 1500
    thumb = Image.open(io.BytesIO(processed.thumb))
    assert max(thumb.size) == THUMB_EDGE
    assert thumb.size == (processed.thumb_width, processed.thumb_height)
    assert len(processed.thumb) < len(processed.image) / 3


@pytest.mark.parametrize(
    ("area", "ratio"), [("face", 4 / 5), ("neck", 1.0), ("decolletage", 4 / 3), ("thighs", 4 / 5), ("hands", 1.0)]
)
def test_the_gallery_crop_is_the_area_frame_from_the_centre(area, ratio):
    crop = Image.open(io.BytesIO(_process(phone_jpeg((3000, 2000), orientation=1), area=area).crop))
    assert crop.width <= CROP_WIDTH
    assert abs(crop.width / crop.height - ratio) < 0.01


def test_a_crop_of_a_small_photo_is_not_enlarged():
    crop = area_crop(skin_image((300, 400)), area="face")
    assert crop.width <= 300 and crop.height <= 400


def test_a_transparent_png_comes_out_on_white():
    processed = _process(png_bytes((640, 480), mode="RGBA"))
    image = Image.open(io.BytesIO(processed.image))
    assert image.mode == "RGB" and image.getpixel((320, 240)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 this is a document, not a photo" * 10, "not a photo we can read"),
        (b"", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a photo we can read"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused(content, message):
    with pytest.raises(PhotoRejected, match=message):
        _process(content)


def test_a_cut_off_jpeg_is_refused_even_after_weasyprint_relaxed_pillow():
    import weasyprint  # noqa: F401 - importing it tells Pillow to load cut-off files, process-wide

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    content = phone_jpeg((1200, 900))
    with pytest.raises(PhotoRejected, match="incomplete or damaged|damaged or not a photo"):
        _process(content[: len(content) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint's setting is left as it was


def test_a_gif_is_refused_with_the_formats_we_take():
    out = io.BytesIO()
    skin_image((200, 200)).save(out, "GIF")
    with pytest.raises(PhotoRejected, match="must be JPEG, PNG or WebP \\(this one is GIF\\)"):
        _process(out.getvalue())


def test_a_file_larger_than_the_byte_limit_is_refused_before_it_is_opened():
    with pytest.raises(PhotoRejected, match="This file is 0.0 MB|the most we take is"):
        _process(b"x" * 5000, max_bytes=4000)


def test_an_image_over_the_pixel_limit_is_refused_by_its_header():
    # 8000 × 6000 = 48 megapixels, over the 40 the clinic takes.
    with pytest.raises(PhotoRejected, match=r"8000 × 6000 pixels \(48 megapixels\); the most we take is 40"):
        _process(bomb_png(8000, 6000))


def test_a_decompression_bomb_is_refused_without_decoding_it():
    # 30,000 × 30,000 pixels (900 megapixels, about 900 MB to decode) in a few hundred bytes.
    bomb = bomb_png(30_000, 30_000)
    assert len(bomb) < 50_000
    with pytest.raises(PhotoRejected, match="far more pixels than any camera takes"):
        _process(bomb)
