"""Tiny image files that declare huge images: refused with one error line, before the memory is taken.

A 701-byte progressive CMYK JPEG whose frame header says 16384x5461 (within reslab's size limits as
RGB) made libjpeg keep every coefficient of the image: 1 GB for a file that small. PNG text, profile
and palette chunks declaring 2 GB made libpng allocate it. Peak memory is measured for each run alone
(`run_measured`), so neither earlier runs nor the test process itself count.
"""
import io
import struct
import zlib

import pytest

from conftest import run_measured

MAX_PEAK_KB = 1 << 20  # 1 GiB


def huge_progressive_jpeg():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("CMYK", (16, 16), (10, 20, 30, 40)).save(buffer, "JPEG", progressive=True, quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.find(b"\xff\xc2")
    struct.pack_into(">HH", data, sof + 5, 5461, 16384)  # height, width
    return bytes(data)


def png_declaring(chunk_type):
    def chunk(kind, body, length=None):
        return struct.pack(">I", len(body) if length is None else length) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(chunk_type, b"k\x00" + b"x" * 60, length=0x7FFFFFFF)


def peak_of(reslab, path):
    """Runs `reslab image PATH` and returns (status, stderr, that run's peak kB)."""
    status, _, stderr, peak = run_measured([reslab, "image", path])
    return status, stderr, peak


def test_a_tiny_progressive_jpeg_declaring_a_huge_image_is_refused(reslab, tmp_path):
    path = tmp_path / "huge-progressive.jpg"
    path.write_bytes(huge_progressive_jpeg())
    status, stderr, peak = peak_of(reslab, path)
    assert status == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "512 MiB" in lines[0], stderr
    assert peak < MAX_PEAK_KB, f"peak {peak} KB"


@pytest.mark.parametrize("chunk_type", [b"tEXt", b"zTXt", b"iTXt", b"sPLT"])
def test_a_tiny_png_declaring_a_huge_chunk_is_a_truncated_file(reslab, tmp_path, chunk_type):
    path = tmp_path / "tiny.png"
    path.write_bytes(png_declaring(chunk_type))
    status, stderr, peak = peak_of(reslab, path)
    assert status == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "truncated" in lines[0] and chunk_type.decode() in lines[0], stderr
    assert peak < MAX_PEAK_KB, f"peak {peak} KB"


def progressive_jpeg_with_repeated_scan(side, copies):
    """A progressive JPEG of `side`x`side` whose second scan is repeated `copies` times: each copy
    holds little data, but libjpeg walks the whole image once a scan."""
    import numpy as np
    from PIL import Image

    small = np.random.default_rng(1).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(small).resize((side, side)).save(buffer, "JPEG", progressive=True, quality=30)
    data = buffer.getvalue()
    starts = [i for i in range(len(data) - 1) if data[i:i + 2] == b"\xff\xda"]
    scan = data[starts[1]:starts[2]]
    return data[:starts[-1]] + scan * copies + data[starts[-1]:]


@pytest.mark.parametrize("side, copies", [(4096, 300), (512, 2000)])
def test_many_scans_are_refused_as_they_arrive(reslab, tmp_path, side, copies):
    import time

    path = tmp_path / "scans.jpg"
    path.write_bytes(progressive_jpeg_with_repeated_scan(side, copies))
    start = time.monotonic()
    status, stderr, peak = peak_of(reslab, path)
    assert status == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "scans" in lines[0] and "progressive JPEG" in lines[0], stderr
    assert time.monotonic() - start < 10 and peak < MAX_PEAK_KB


@pytest.mark.parametrize("chunk_type", [b"zTXt", b"iCCP"])
def test_a_png_chunk_inflating_to_a_gigabyte_costs_no_gigabyte(reslab, tmp_path, chunk_type):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    bomb = b"k\x00\x00" + zlib.compress(b"\0" * (1 << 30), 9)  # keyword/profile name, method 0, 1 MB deflated
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + header + chunk(chunk_type, bomb)
                     + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b""))
    status, stderr, peak = peak_of(reslab, path)
    assert status in (0, 1) and len(stderr.strip().splitlines()) <= 1, stderr
    assert peak < 256 * 1024, f"peak {peak} KB"
