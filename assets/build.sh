#!/usr/bin/env bash
# Rebuild the committed front-end files in recruit/static/ (served at /assets).
#
#   cd assets && npm ci && npm run build
#
#   recruit/static/css/main.css             <- scss/main.scss (sass, compressed)
#   recruit/static/js/govuk-frontend.min.js <- govuk-frontend, copied as is
#   recruit/static/images/<file>            <- any govuk-frontend image that
#                                              main.css refers to (none today)
#
# Our own icons (favicon.svg/.ico, apple-touch-icon.png, icon-192/512.png) are
# drawn by icons/make_icons.py, which needs Python with Pillow:
#   python -m venv /tmp/icons && /tmp/icons/bin/pip install pillow
#   /tmp/icons/bin/python icons/make_icons.py
# recruit/static/manifest.json is written by hand.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
static="$here/../recruit/static"
gf="$here/node_modules/govuk-frontend/dist/govuk"

mkdir -p "$static/css" "$static/js"
"$here/node_modules/.bin/sass" \
  --load-path="$here/node_modules" \
  --style=compressed --no-source-map \
  "$here/scss/main.scss" "$static/css/main.css"
cp "$gf/govuk-frontend.min.js" "$static/js/govuk-frontend.min.js"

# Every url() in the CSS must resolve under recruit/static when served at /assets.
urls="$(grep -o 'url([^)]*)' "$static/css/main.css" | sed -E "s/^url\\([\"']?//; s/[\"']?\\)\$//" | sort -u || true)"
for url in $urls; do
  case "$url" in
    /assets/images/*)
      name="${url#/assets/images/}"
      mkdir -p "$static/images"
      cp "$gf/assets/images/$name" "$static/images/$name" ;;
    data:*) ;;
    *) echo "unexpected url() in main.css: $url" >&2; exit 1 ;;
  esac
done

if grep -qi 'GDS Transport\|woff\|govuk-crest' "$static/css/main.css"; then
  echo "main.css refers to a GOV.UK font or the crest" >&2; exit 1
fi
wc -c "$static/css/main.css" "$static/js/govuk-frontend.min.js"
