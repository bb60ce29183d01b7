#!/usr/bin/env bash
# Vendor the browser assets the API serves itself (offline maps and basemap, the pages, /docs, the checkpoint page).
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
    protomaps-leaflet/dist/protomaps-leaflet.js
    swagger-ui-dist/swagger-ui-bundle.js
    swagger-ui-dist/swagger-ui.css
    swagger-ui-dist/favicon-32x32.png
    @geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js
    @geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css
    chart.js/dist/chart.umd.min.js
    @noble/ed25519/index.js
    geographiclib-geodesic/geographiclib-geodesic.min.js
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

# Noto Sans SC (Chinese labels and pages, no CDN): regular and bold, woff2 only, split by unicode range so a
# browser fetches only the parts a page uses.  One stylesheet, fonts beside it.
FONT_SRC="$NM/@fontsource/noto-sans-sc"
FONT_DEST="$DEST/@fontsource/noto-sans-sc"
mkdir -p "$FONT_DEST/files"
for weight in 400 700; do
    [[ -f "$FONT_SRC/$weight.css" ]] || { echo "vendor_assets: missing $FONT_SRC/$weight.css" >&2; exit 1; }
    sed -E 's#, url\(\./files/[^)]*\.woff\) format\(.woff.\)##' "$FONT_SRC/$weight.css"
done > "$FONT_DEST/noto-sans-sc.css"
for font in $(grep -o 'files/[^)]*\.woff2' "$FONT_DEST/noto-sans-sc.css" | sort -u); do
    cp "$FONT_SRC/$font" "$FONT_DEST/$font"
done
if grep -q '\.woff)' "$FONT_DEST/noto-sans-sc.css"; then
    echo "vendor_assets: the Noto Sans SC stylesheet still refers to .woff files" >&2; exit 1
fi

# Licences travel with the files.
for pkg in leaflet jquery bootstrap leaflet.awesome-markers @fortawesome/fontawesome-free qr-scanner protomaps-leaflet \
        swagger-ui-dist @geoman-io/leaflet-geoman-free chart.js @noble/ed25519 @fontsource/noto-sans-sc \
        geographiclib-geodesic; do
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
