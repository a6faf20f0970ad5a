#!/usr/bin/env python3
"""Make the example batch's images (run by ``make demo``; needs Pillow).

The images are drawn here rather than kept in the repository: a Mandelbrot
set, a colour wheel, a small animated GIF, a vector drawing, and one large
detailed picture that is bigger than a chunk, so the demo shows a chunked
upload too. The same code always draws the same bytes.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
FILES = HERE / 'files'


def mandelbrot(width: int, height: int) -> Image.Image:
    image = Image.new('RGB', (width, height))
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            c = complex(-2.2 + 3.0 * x / width, -1.2 + 2.4 * y / height)
            z, n = 0j, 0
            while abs(z) <= 2 and n < 60:
                z, n = z * z + c, n + 1
            pixels[x, y] = (n * 4 % 256, n * 9 % 256, 255 - n * 4 % 256)
    return image


def colour_wheel(size: int) -> Image.Image:
    image = Image.new('RGB', (size, size), 'white')
    draw = ImageDraw.Draw(image)
    for degree in range(0, 360, 3):
        hue = degree / 360
        colour = tuple(
            int(255 * (0.5 + 0.5 * math.cos(2 * math.pi * (hue + shift)))) for shift in (0, 1 / 3, 2 / 3)
        )
        draw.pieslice((10, 10, size - 10, size - 10), degree, degree + 3, fill=colour)
    return image


def blinking_gif(path: Path) -> None:
    frames = [Image.new('P', (64, 64), colour) for colour in (10, 120, 200)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=300, loop=0)


def landscape(width: int, height: int) -> Image.Image:
    """A detailed picture (sky, hills, grain) that compresses badly on purpose."""
    rng = random.Random(42)
    image = Image.new('RGB', (width, height))
    pixels = image.load()
    ridge = [height * (0.55 + 0.1 * math.sin(x / 90) + 0.05 * math.sin(x / 23)) for x in range(width)]
    for y in range(height):
        for x in range(width):
            grain = rng.randrange(-40, 40)
            if y < ridge[x]:
                base = (90 + y * 100 // height, 140 + y * 80 // height, 230)
            else:
                base = (40 + (x * 7) % 60, 110 + (y * 3) % 70, 40)
            pixels[x, y] = tuple(max(0, min(255, value + grain)) for value in base)
    return image


SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
  <title>uploadbot example drawing</title>
  <circle cx="100" cy="100" r="80" fill="#3366cc"/>
  <rect x="60" y="60" width="80" height="80" fill="#ffcc00"/>
</svg>
"""


def main() -> int:
    FILES.mkdir(exist_ok=True)
    targets = {
        'mandelbrot.jpg': lambda p: mandelbrot(480, 360).save(p, quality=92),
        'colour-wheel.png': lambda p: colour_wheel(400).save(p),
        'blink.gif': blinking_gif,
        'drawing.svg': lambda p: p.write_text(SVG),
        'landscape.png': lambda p: landscape(2000, 1600).save(p, compress_level=1),
    }
    for name, make in targets.items():
        path = FILES / name
        if not path.exists():
            make(path)
        print(f'{path.relative_to(HERE)}: {path.stat().st_size} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
