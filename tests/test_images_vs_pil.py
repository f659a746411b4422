"""`reslab image IMAGE --raw-out FILE` against Keras's own image loading.

The reference is `tf_keras.preprocessing.image.load_img(path, target_size=(224, 224))`, i.e.
Pillow's `Image.open`, `convert('RGB')` and `resize((224, 224), NEAREST)`. reslab must write
exactly those 224*224*3 bytes. PNG must match exactly. JPEG is decoded by Debian's
libjpeg-turbo in reslab and by the libjpeg-turbo bundled with Pillow; both use the same
ISLOW IDCT and fancy upsampling, and the difference measured is 0, so the tolerance is 0 too.

Images whose sides are at most 224 are enlarged, so every decoded pixel reaches the output:
for them the comparison checks the whole decode, not just a sample of it.
"""
import io
import pathlib
import struct
import subprocess
import zlib

import numpy as np
import pytest
from PIL import Image

import tf_keras

TARGET = (224, 224)
RAW_BYTES = 224 * 224 * 3
# Largest allowed |reslab - Keras| for a JPEG pixel channel. Measured: 0 (see module docstring).
JPEG_TOLERANCE = 0

pytestmark = pytest.mark.filterwarnings(
    # Pillow warns about palette images with transparency; load_img converts them all the same.
    "ignore:Palette images with Transparency:UserWarning"
)


# --------------------------------------------------------------------------------------------
# Running reslab and Keras


def keras_pixels(path: pathlib.Path) -> np.ndarray:
    img = tf_keras.preprocessing.image.load_img(path, target_size=TARGET)
    return np.asarray(img, dtype=np.uint8)


def run_image(reslab: pathlib.Path, image: pathlib.Path, out: pathlib.Path):
    return subprocess.run(
        [str(reslab), "image", str(image), "--raw-out", str(out)],
        capture_output=True, text=True, timeout=120,
    )


def reslab_pixels(reslab: pathlib.Path, image: pathlib.Path, out: pathlib.Path) -> np.ndarray:
    result = run_image(reslab, image, out)
    assert result.returncode == 0, f"reslab image {image.name} failed: {result.stderr}"
    data = out.read_bytes()
    assert len(data) == RAW_BYTES, f"{image.name}: wrote {len(data)} bytes, expected {RAW_BYTES}"
    return np.frombuffer(data, dtype=np.uint8).reshape(224, 224, 3)


def max_difference(reslab: pathlib.Path, image: pathlib.Path, tmp_path: pathlib.Path) -> int:
    mine = reslab_pixels(reslab, image, tmp_path / f"{image.name}.raw")
    theirs = keras_pixels(image)
    return int(np.abs(mine.astype(np.int16) - theirs.astype(np.int16)).max())


def tolerance_for(image: pathlib.Path) -> int:
    return JPEG_TOLERANCE if image.suffix.lower() in (".jpg", ".jpeg") else 0


# --------------------------------------------------------------------------------------------
# Generated images: what the samples do not cover


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _scanlines(samples: np.ndarray, bit_depth: int) -> bytes:
    """Filter-type-0 scanlines for an (h, w, channels) array of sample values."""
    h = samples.shape[0]
    rows = samples.reshape(h, -1)
    out = bytearray()
    for row in rows:
        out.append(0)
        if bit_depth == 16:
            out += row.astype(">u2").tobytes()
        elif bit_depth == 8:
            out += row.astype(np.uint8).tobytes()
        else:
            per_byte = 8 // bit_depth
            padded = np.zeros(-(-len(row) // per_byte) * per_byte, dtype=np.uint16)
            padded[: len(row)] = row
            padded = padded.reshape(-1, per_byte)
            packed = np.zeros(len(padded), dtype=np.uint16)
            for k in range(per_byte):
                packed |= padded[:, k] << (8 - bit_depth * (k + 1))
            out += packed.astype(np.uint8).tobytes()
    return bytes(out)


def raw_png(samples, bit_depth, color_type, interlace=False, plte=None, trns=None) -> bytes:
    """A PNG written by hand, for what Pillow cannot write (16-bit RGB, 2-bit gray, Adam7...)."""
    h, w, _ = samples.shape
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    if interlace:
        data = b"".join(
            _scanlines(samples[y0::dy, x0::dx], bit_depth)
            for x0, y0, dx, dy in ADAM7
            if x0 < w and y0 < h
        )
    else:
        data = _scanlines(samples, bit_depth)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
    if plte is not None:
        png += _chunk(b"PLTE", bytes(plte))
    if trns is not None:
        png += _chunk(b"tRNS", trns)
    return png + _chunk(b"IDAT", zlib.compress(data)) + _chunk(b"IEND", b"")


def _photo(width=213, height=157) -> Image.Image:
    """Smooth gradients with a noisy patch: exercises JPEG chroma upsampling and edges."""
    yy, xx = np.mgrid[0:height, 0:width]
    a = np.stack([xx * 255 // max(width - 1, 1), yy * 255 // max(height - 1, 1), (xx + 2 * yy) % 256], -1)
    a = a.astype(np.uint8)
    rng = np.random.default_rng(5)
    a[height // 3 : height // 2, width // 4 : width // 2] = rng.integers(
        0, 256, a[height // 3 : height // 2, width // 4 : width // 2].shape, dtype=np.uint8)
    return Image.fromarray(a, "RGB")


def _noise(h, w, c, high=256, seed=0):
    return np.random.default_rng(seed).integers(0, high, size=(h, w, c))


def _pil(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def _palette_with_trns() -> bytes:
    p = _photo().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return _pil(p, "PNG", bits=4, transparency=bytes(range(0, 256, 16)))


# name -> bytes of the file. Every generated image is at most 224 on each side unless its
# name says "big", so the NEAREST enlargement to 224x224 copies every decoded pixel.
GENERATED = {
    # PNG via Pillow
    "rgb.png": lambda: _pil(_photo(), "PNG"),
    "gray.png": lambda: _pil(_photo().convert("L"), "PNG"),
    "gray_alpha.png": lambda: _pil(
        Image.merge("LA", [_photo().convert("L"), _photo().getchannel("R")]), "PNG"),
    "palette.png": lambda: _pil(
        _photo().convert("P", palette=Image.Palette.ADAPTIVE, colors=200), "PNG"),
    "palette_trns.png": _palette_with_trns,
    "palette_1bit.png": lambda: _pil(
        _photo().convert("P", palette=Image.Palette.ADAPTIVE, colors=2), "PNG", bits=1),
    "rgba.png": lambda: _pil(Image.merge("RGBA", [*_photo().split(), _photo().convert("L")]), "PNG"),
    "bilevel_1bit.png": lambda: _pil(_photo().convert("1"), "PNG"),
    "gray16_pillow.png": lambda: _pil(
        Image.fromarray((_noise(61, 83, 1, 1024)[..., 0]).astype(np.uint16)), "PNG"),
    "odd_7x5.png": lambda: _pil(Image.fromarray(_noise(5, 7, 3).astype(np.uint8)), "PNG"),
    "row_300x1.png": lambda: _pil(Image.fromarray(_noise(1, 300, 3).astype(np.uint8)), "PNG"),
    "column_1x300.png": lambda: _pil(Image.fromarray(_noise(300, 1, 3).astype(np.uint8)), "PNG"),
    "big_1001x703.png": lambda: _pil(_photo(1001, 703), "PNG"),
    # PNG by hand
    "gray16.png": lambda: raw_png(_noise(45, 67, 1, 65536), 16, 0),
    "gray16_low_values.png": lambda: raw_png(_noise(45, 67, 1, 400), 16, 0),
    "rgb16.png": lambda: raw_png(_noise(33, 71, 3, 65536), 16, 2),
    "rgba16.png": lambda: raw_png(_noise(33, 71, 4, 65536), 16, 6),
    "gray_alpha16.png": lambda: raw_png(_noise(33, 71, 2, 65536), 16, 4),
    "gray1bit.png": lambda: raw_png(_noise(29, 37, 1, 2), 1, 0),
    "gray2bit.png": lambda: raw_png(_noise(29, 37, 1, 4), 2, 0),
    "gray4bit.png": lambda: raw_png(_noise(29, 37, 1, 16), 4, 0),
    "palette2bit_short_plte.png": lambda: raw_png(_noise(29, 37, 1, 4), 2, 3, plte=range(9)),
    "palette_out_of_range_index.png": lambda: raw_png(_noise(20, 30, 1), 8, 3, plte=range(30)),
    "gray_trns.png": lambda: raw_png(_noise(20, 30, 1), 8, 0, trns=struct.pack(">H", 7)),
    "rgb_trns.png": lambda: raw_png(_noise(20, 30, 3), 8, 2, trns=struct.pack(">HHH", 1, 2, 3)),
    "interlaced_rgb.png": lambda: raw_png(_noise(53, 41, 3), 8, 2, interlace=True),
    "interlaced_gray2bit.png": lambda: raw_png(_noise(53, 41, 1, 4), 2, 0, interlace=True),
    "interlaced_gray16.png": lambda: raw_png(_noise(53, 41, 1, 65536), 16, 0, interlace=True),
    "interlaced_rgba16.png": lambda: raw_png(_noise(53, 41, 4, 65536), 16, 6, interlace=True),
    "interlaced_palette4bit.png": lambda: raw_png(
        _noise(53, 41, 1, 16), 4, 3, interlace=True, plte=range(48)),
    "interlaced_3x2.png": lambda: raw_png(_noise(2, 3, 3), 8, 2, interlace=True),
    # JPEG via Pillow (its libjpeg-turbo encoder)
    "baseline.jpg": lambda: _pil(_photo(), "JPEG", quality=90),
    "baseline_444.jpg": lambda: _pil(_photo(), "JPEG", quality=95, subsampling=0),
    "baseline_422.jpg": lambda: _pil(_photo(), "JPEG", quality=85, subsampling=1),
    "progressive.jpg": lambda: _pil(_photo(), "JPEG", quality=80, progressive=True),
    "optimized.jpg": lambda: _pil(_photo(), "JPEG", quality=75, optimize=True),
    "restart_markers.jpg": lambda: _pil(_photo(), "JPEG", quality=90, restart_marker_blocks=2),
    "rgb_no_ycbcr.jpg": lambda: _pil(_photo(), "JPEG", quality=90, keep_rgb=True),
    "grayscale.jpg": lambda: _pil(_photo().convert("L"), "JPEG", quality=90),
    "grayscale_progressive.jpg": lambda: _pil(_photo().convert("L"), "JPEG", progressive=True),
    "cmyk.jpg": lambda: _pil(_photo().convert("CMYK"), "JPEG", quality=90),
    "cmyk_progressive.jpg": lambda: _pil(_photo().convert("CMYK"), "JPEG", progressive=True),
    "odd_7x5.jpg": lambda: _pil(Image.fromarray(_noise(5, 7, 3).astype(np.uint8)), "JPEG"),
    "row_300x1.jpg": lambda: _pil(Image.fromarray(_noise(1, 300, 3).astype(np.uint8)), "JPEG"),
    "big_1001x703.jpg": lambda: _pil(_photo(1001, 703), "JPEG", quality=85),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("generated_images")
    paths = {}
    for name, make in GENERATED.items():
        path = directory / name
        path.write_bytes(make())
        paths[name] = path
    return paths


def test_generated_images_cover_the_modes_we_claim(generated):
    modes = {name: Image.open(path).mode for name, path in generated.items()}
    for expected in ("RGB", "L", "LA", "P", "RGBA", "1", "I;16", "CMYK"):
        assert expected in modes.values(), f"no generated image opens as mode {expected}"
    assert Image.open(generated["progressive.jpg"]).info.get("progressive")
    assert Image.open(generated["cmyk.jpg"]).info.get("adobe") is not None
    assert Image.open(generated["interlaced_rgb.png"]).info.get("interlace")


# --------------------------------------------------------------------------------------------
# Pixels


def test_sample_images_match_keras(reslab, sample_images, tmp_path):
    assert sample_images, "no sample images found beside the project"
    differences = {name: max_difference(reslab, path, tmp_path) for name, path in sample_images.items()}
    print("max |reslab - keras| per sample image:", differences)
    for name, difference in differences.items():
        assert difference <= tolerance_for(sample_images[name]), f"{name}: max difference {difference}"


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_image_matches_keras(reslab, generated, tmp_path, name):
    difference = max_difference(reslab, generated[name], tmp_path)
    print(f"{name}: max |reslab - keras| = {difference}")
    assert difference <= tolerance_for(generated[name])


# Sources around 224 on either side, odd sizes, extreme aspect ratios, large reductions.
RESIZE_SOURCES = [(1, 1), (2, 3), (7, 5), (223, 224), (224, 223), (225, 225), (1, 300), (300, 1),
                  (447, 449), (448, 448), (1000, 3), (3, 1000), (672, 672), (1001, 999),
                  (640, 427), (4096, 17), (97, 3001), (111, 113), (333, 222), (2048, 1536)]


@pytest.mark.parametrize("width,height", RESIZE_SOURCES, ids=[f"{w}x{h}" for w, h in RESIZE_SOURCES])
def test_nearest_resize_matches_pillow(reslab, tmp_path, width, height):
    # Distinct noise in every pixel: a single off-by-one source column or row shows up.
    pixels = _noise(height, width, 3, seed=width * 7919 + height).astype(np.uint8)
    path = tmp_path / f"noise_{width}x{height}.png"
    Image.fromarray(pixels, "RGB").save(path)
    mine = reslab_pixels(reslab, path, tmp_path / "out.raw")
    assert np.array_equal(mine, keras_pixels(path))


# --------------------------------------------------------------------------------------------
# Errors: one line on stderr starting with "error:", non-zero exit, no output file


def _expect_failure(reslab, image: pathlib.Path, tmp_path, *fragments: str) -> str:
    out = tmp_path / "out.raw"
    result = run_image(reslab, image, out)
    assert result.returncode != 0, f"{image.name}: exit 0 for a bad image"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"{image.name}: expected one line on stderr, got {result.stderr!r}"
    assert lines[0].startswith("error:"), lines[0]
    assert image.name in lines[0], f"the message should name the file: {lines[0]}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert not out.exists(), "a failed run must not write the raw output"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out.raw")] == []
    return lines[0]


def _valid_jpeg() -> bytes:
    return GENERATED["baseline.jpg"]()


def _valid_png() -> bytes:
    return GENERATED["rgb.png"]()


def test_missing_file(reslab, tmp_path):
    _expect_failure(reslab, tmp_path / "no_such_image.jpg", tmp_path, "No such file")


def test_empty_file(reslab, tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    _expect_failure(reslab, path, tmp_path, "empty")


def test_unknown_format(reslab, tmp_path):
    path = tmp_path / "animation.jpg"
    path.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    _expect_failure(reslab, path, tmp_path, "not a JPEG or PNG file", "47 49 46 38")


@pytest.mark.parametrize("keep", [0.5, 0.9, -2], ids=["half", "90pct", "no-EOI"])
def test_truncated_jpeg(reslab, tmp_path, keep):
    data = _valid_jpeg()
    cut = data[: int(len(data) * keep)] if keep > 0 else data[:keep]
    path = tmp_path / "truncated.jpg"
    path.write_bytes(cut)
    with pytest.raises(OSError, match="truncated"):
        Image.open(path).convert("RGB")  # Keras/Pillow refuse it too
    _expect_failure(reslab, path, tmp_path, "truncated")


def test_truncated_progressive_jpeg(reslab, tmp_path):
    data = GENERATED["progressive.jpg"]()
    path = tmp_path / "truncated_progressive.jpg"
    path.write_bytes(data[: len(data) * 2 // 3])
    _expect_failure(reslab, path, tmp_path, "truncated")


def test_truncated_png(reslab, tmp_path):
    data = _valid_png()
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])
    _expect_failure(reslab, path, tmp_path, "truncated")


def test_corrupt_jpeg(reslab, tmp_path):
    data = bytearray(_valid_jpeg())
    sof = data.find(b"\xff\xc0")
    data[sof + 2 : sof + 4] = b"\x00\x01"  # SOF0 segment length 1
    path = tmp_path / "corrupt.jpg"
    path.write_bytes(bytes(data))
    _expect_failure(reslab, path, tmp_path, "corrupt JPEG data", "Bogus marker length")


def test_corrupt_png(reslab, tmp_path):
    data = bytearray(_valid_png())
    data[29] ^= 0xFF  # IHDR CRC
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))
    _expect_failure(reslab, path, tmp_path, "corrupt PNG data", "CRC")


def test_absurd_png_dimensions_are_refused_from_the_header(reslab, tmp_path):
    ihdr = struct.pack(">IIBBBBB", 200000, 200000, 8, 2, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _chunk(b"IEND", b""))
    path = tmp_path / "huge.png"
    path.write_bytes(data)
    _expect_failure(reslab, path, tmp_path, "200000x200000", "16384x16384")


def test_absurd_jpeg_dimensions_are_refused_from_the_header(reslab, tmp_path):
    data = bytearray(_valid_jpeg())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)
    path = tmp_path / "huge.jpg"
    path.write_bytes(bytes(data))
    _expect_failure(reslab, path, tmp_path, "60000x60000")
