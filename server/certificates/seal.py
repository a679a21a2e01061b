"""The visible electronic seal: a red round seal drawn from the community's name (name around the
rim, a five-pointed star in the centre, the kind of seal below), generated, never scanned."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

RED = (200, 16, 46, 255)


def star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def draw_seal(name: str, kind: str, font_path: str | None, size: int = 480) -> bytes:
    """A PNG with a transparent background."""
    scale = 2  # draw large, then shrink for smooth edges
    s = size * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = s / 2
    draw.ellipse((s * 0.03, s * 0.03, s * 0.97, s * 0.97), outline=RED, width=int(s * 0.035))
    draw.polygon(star(c, c, s * 0.16), fill=RED)

    def font(px: int):
        return ImageFont.truetype(font_path, px) if font_path else ImageFont.load_default(px)

    rim = font(int(s * 0.11))
    text = name
    span = min(240, 22 * len(text) + 40)  # degrees of arc used by the name
    for i, ch in enumerate(text):
        angle = -90 - span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("RGBA", (int(s * 0.16), int(s * 0.16)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), ch, font=rim, fill=RED, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC)
        r = s * 0.35
        x, y = c + r * math.cos(math.radians(angle)), c + r * math.sin(math.radians(angle))
        image.alpha_composite(glyph, (int(x - glyph.width / 2), int(y - glyph.height / 2)))
    draw.text((c, c + s * 0.27), kind, font=font(int(s * 0.075)), fill=RED, anchor="mm")
    image = image.resize((size, size), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
