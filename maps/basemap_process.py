"""``python -m maps.basemap_process FILE PREFIX``: the basemap's second process during ``baotong network
build`` (see :class:`maps.basemap.BasemapProcess`)."""

from __future__ import annotations

import sys

from maps.basemap import basemap_process_main

if __name__ == "__main__":
    sys.exit(basemap_process_main(sys.argv[1:]))
