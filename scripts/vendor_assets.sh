#!/usr/bin/env bash
# Vendor the browser assets the API serves itself (offline folium maps, the checkpoint page).
#
#   npm ci (exact versions from package-lock.json, no install scripts) in the project root,
#   then copy the dist files into api/static/vendor/<package>/...
#
# api/static/vendor/ and node_modules/ are generated and gitignored; `make assets` runs this.
# Fails loudly if a file the maps (maps/assets.py) or the checkpoint page need is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NM="$ROOT/node_modules"
DEST="$ROOT/api/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "vendor_assets: npm not found; install Node.js 20+ (Debian: apt-get install nodejs npm)" >&2; exit 1; }

cd "$ROOT"
npm ci --no-audit --no-fund --ignore-scripts

# "<package dir in node_modules>/<file or dir>" -> "api/static/vendor/<package dir>/<file or dir>"
FILES=(
    leaflet/dist/leaflet.js
    leaflet/dist/leaflet.css
    leaflet/dist/images
    jquery/dist/jquery.min.js
    bootstrap/dist/js/bootstrap.bundle.min.js
    bootstrap/dist/css/bootstrap.min.css
    leaflet.awesome-markers/dist/leaflet.awesome-markers.js
    leaflet.awesome-markers/dist/leaflet.awesome-markers.css
    leaflet.awesome-markers/dist/images
    @fortawesome/fontawesome-free/css/all.min.css
    @fortawesome/fontawesome-free/webfonts
    qr-scanner/qr-scanner.umd.min.js
    qr-scanner/qr-scanner-worker.min.js
)

missing=0
for rel in "${FILES[@]}"; do
    src="$NM/$rel"
    if [[ ! -e "$src" ]]; then
        echo "vendor_assets: missing $src (package.json / package-lock.json changed?)" >&2
        missing=1
    fi
done
[[ $missing -eq 0 ]] || exit 1

rm -rf "$DEST"
for rel in "${FILES[@]}"; do
    # drop the "dist/" level so URLs read /static/vendor/leaflet/leaflet.js
    out="$DEST/${rel/\/dist\//\/}"
    mkdir -p "$(dirname "$out")"
    cp -R "$NM/$rel" "$out"
done

# Licences travel with the files.
for pkg in leaflet jquery bootstrap leaflet.awesome-markers @fortawesome/fontawesome-free qr-scanner; do
    for lic in LICENSE LICENSE.txt LICENSE.md; do
        if [[ -f "$NM/$pkg/$lic" ]]; then cp "$NM/$pkg/$lic" "$DEST/$pkg/$lic"; fi
    done
done

# Every font the Font Awesome CSS refers to must be there.
for font in $(grep -o '\.\./webfonts/[^)?#"]*' "$DEST/@fortawesome/fontawesome-free/css/all.min.css" | sort -u); do
    [[ -f "$DEST/@fortawesome/fontawesome-free/css/$font" ]] \
        || { echo "vendor_assets: Font Awesome CSS refers to missing $font" >&2; exit 1; }
done

count=$(find "$DEST" -type f | wc -l)
echo "vendor_assets: $count files in ${DEST#"$ROOT"/}"
