"""Draw the checkpoint app's icons (api/static/checkpoint/icon-<size>.png): a white tick on a green round tile.

Plain Python (zlib), no image library: run ``python scripts/draw_checkpoint_icons.py`` after changing the
drawing; the PNGs are committed.  The tile fills the whole square with a safe margin inside it, so the
icon also serves as a ``maskable`` one.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "api" / "static" / "checkpoint"
SIZES = (192, 512)
GREEN = (21, 128, 61)
WHITE = (255, 255, 255)
TICK = ((0.30, 0.52), (0.44, 0.66), (0.72, 0.36))  # the tick's three corners, in units of the side
STROKE = 0.085  # half the tick's width, in units of the side


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - a[0] - t * dx, py - a[1] - t * dy)


def pixels(size: int) -> bytes:
    """The image as PNG scanlines (filter byte 0, then RGB), 2x2 supersampled at the tick's edges."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            cover = 0
            for sx, sy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
                u, v = (x + sx) / size, (y + sy) / size
                d = min(_segment_distance(u, v, TICK[i], TICK[i + 1]) for i in range(2))
                cover += d <= STROKE
            f = cover / 4
            rows += bytes(round(g + (w - g) * f) for g, w in zip(GREEN, WHITE, strict=True))
    return bytes(rows)


def png(size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels(size), 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    for size in SIZES:
        path = OUT / f"icon-{size}.png"
        path.write_bytes(png(size))
        print(f"{path.relative_to(OUT.parents[2])}: {size}x{size}")


if __name__ == "__main__":
    main()
