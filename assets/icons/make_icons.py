"""Draw the London Digital Apprenticeships icon set from one geometry.

The mark: a teal rounded square with three white bars rising left to right
(steps of progression). Writes, into recruit/static/:

    images/favicon.svg           vector favicon
    images/favicon.ico           16, 32 and 48 px
    images/apple-touch-icon.png  180 px, opaque (iOS ignores transparency)
    images/icon-192.png          for the web manifest
    images/icon-512.png          for the web manifest (also "maskable")

Run:  python assets/icons/make_icons.py   (needs Pillow: pip install pillow)
"""

from pathlib import Path

from PIL import Image, ImageDraw

TEAL = "#106165"  # govuk-frontend teal shade-25, our brand colour
WHITE = "#ffffff"
GRID = 32  # geometry is on a 32x32 grid
RADIUS = 6
# Bars as (x, y, width, height); all stand on y=25.
BARS = [(7, 18, 5, 7), (13.5, 13, 5, 12), (20, 8, 5, 17)]
BAR_RADIUS = 1

STATIC = Path(__file__).resolve().parents[2] / "recruit" / "static"
IMAGES = STATIC / "images"


def svg() -> str:
    bars = "".join(
        f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{BAR_RADIUS}" fill="{WHITE}"/>'
        for x, y, w, h in BARS
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        f"<title>London Digital Apprenticeships</title>"
        f'<rect width="{GRID}" height="{GRID}" rx="{RADIUS}" fill="{TEAL}"/>'
        f"{bars}</svg>\n"
    )


def raster(size: int, rounded: bool = True) -> Image.Image:
    scale = size * 8 / GRID  # draw 8x larger, then downsample (anti-aliasing)
    big = size * 8
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle(
        (0, 0, big - 1, big - 1), radius=RADIUS * scale if rounded else 0, fill=TEAL
    )
    for x, y, w, h in BARS:
        draw.rounded_rectangle(
            (x * scale, y * scale, (x + w) * scale - 1, (y + h) * scale - 1),
            radius=BAR_RADIUS * scale,
            fill=WHITE,
        )
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    (IMAGES / "favicon.svg").write_text(svg(), encoding="utf-8")
    raster(180, rounded=False).convert("RGB").save(IMAGES / "apple-touch-icon.png", optimize=True)
    raster(192).save(IMAGES / "icon-192.png", optimize=True)
    raster(512, rounded=False).save(IMAGES / "icon-512.png", optimize=True)
    raster(48).save(IMAGES / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
