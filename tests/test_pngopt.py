"""benchmarks.pngopt, which shrinks the docs' screenshots: what a reader of the docs sees.

A picture of up to 256 colours comes back pixel for pixel; a picture with more keeps its
frequent colours (backgrounds, text) exact and moves a rare one to its nearest kept colour;
every row filter Chromium writes (None, Sub, Up, Average, Paeth) is read back right.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from benchmarks import pngopt


def predictor(kind: int, left: int, up: int, upleft: int) -> int:
    """Return PNG's predictor of one byte for a row filter."""
    if kind == 0:
        return 0
    if kind == 1:
        return left
    if kind == 2:
        return up
    if kind == 3:
        return (left + up) >> 1
    pa, pb, pc = abs(up - upleft), abs(left - upleft), abs(left + up - 2 * upleft)
    return left if pa <= pb and pa <= pc else up if pb <= pc else upleft


def encode(pixels: np.ndarray) -> bytes:
    """Write an RGB picture as a PNG whose rows cycle through the five filters."""
    height, width, _ = pixels.shape
    flat = pixels.reshape(height, width * 3).astype(int).tolist()
    rows = bytearray()
    for y, row in enumerate(flat):
        kind = y % 5
        above = flat[y - 1] if y else [0] * len(row)
        rows.append(kind)
        for i, x in enumerate(row):
            left, upleft = (row[i - 3], above[i - 3]) if i >= 3 else (0, 0)
            rows.append((x - predictor(kind, left, above[i], upleft)) & 255)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        pngopt.SIGNATURE
        + pngopt.chunk(b"IHDR", header)
        + pngopt.chunk(b"IDAT", zlib.compress(bytes(rows)))
        + pngopt.chunk(b"IEND", b"")
    )


def pixels_of(data: bytes, shape: tuple[int, int]) -> np.ndarray:
    """Return a PNG's pixels as a height x width x 3 array."""
    return pngopt.rgb_pixels(data).reshape(*shape, 3)


def test_every_row_filter_is_read_back():
    picture = np.random.default_rng(1).integers(0, 256, size=(10, 7, 3))
    assert (pixels_of(encode(picture), (10, 7)) == picture).all()


def test_a_picture_of_few_colours_is_kept_exactly_and_shrinks():
    rng = np.random.default_rng(2)
    colours = rng.integers(0, 256, size=(200, 3))
    picture = colours[rng.integers(0, 200, size=(40, 60))]
    original = encode(picture)
    smaller = pngopt.optimise(original)
    assert len(smaller) < len(original)
    assert (pixels_of(smaller, (40, 60)) == picture).all()


def test_frequent_colours_stay_exact_and_a_rare_one_moves_to_its_nearest():
    background, text = [255, 255, 255], [31, 35, 40]
    # Text on white, 300 shades just off the text colour (one pixel each), one near-white.
    shades = [[31 + i % 3, 35, 40 + i // 3] for i in range(1, 300)]
    pixels = np.array([background] * 5000 + [text] * 3000 + shades + [[250, 250, 250]])
    table, index = pngopt.palette(pixels)
    mapped = table[index]
    assert len(table) == 256
    assert (mapped[:8000] == pixels[:8000]).all()
    assert mapped[-1].tolist() == background
    assert np.abs(mapped - pixels).max() == 5


def test_what_it_cannot_read_comes_back_unchanged():
    assert pngopt.optimise(b"GIF89a not a png") == b"GIF89a not a png"
