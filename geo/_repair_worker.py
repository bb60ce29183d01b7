"""The repair worker process of :mod:`geo.repair` (``python -m geo._repair_worker``).

Reads frames ``length (4 bytes, little endian) + WKB`` from stdin and answers each with
``b"o" + length + WKB`` of the repaired polygonal part, or ``b"e" + length + message``.
"""

from __future__ import annotations

import struct
import sys


def main() -> None:
    import shapely
    from shapely.geometry import MultiPolygon, Polygon
    from shapely.validation import make_valid

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = inp.read(4)
        if len(head) < 4:
            return
        (length,) = struct.unpack("<I", head)
        wkb = inp.read(length)
        try:
            fixed = make_valid(shapely.from_wkb(wkb))
            polys = [g for g in shapely.get_parts(fixed) if isinstance(g, Polygon | MultiPolygon)]
            payload, status = shapely.to_wkb(shapely.union_all(polys) if polys else Polygon()), b"o"
        except Exception as err:  # noqa: BLE001 - reported to the parent, which refuses the polygon
            payload, status = f"{type(err).__name__}: {err}".encode(), b"e"
        out.write(status + struct.pack("<I", len(payload)) + payload)
        out.flush()


if __name__ == "__main__":
    main()
