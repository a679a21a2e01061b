"""SVG drawings from the project's own data: facilities on the region map, a cemetery section with
the plot marked, and a hearse's route."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

SVG = 'xmlns="http://www.w3.org/2000/svg"'


def _frame(points, width, height, pad=24):
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    scale = min((width - 2 * pad) / max(east - west, 1e-6), (height - 2 * pad) / max(north - south, 1e-6))
    return lambda lat, lon: (pad + (lon - west) * scale, pad + (north - lat) * scale)


def facility_map(areas, facilities, link: Callable[[object], str], width=640, height=420) -> str:
    """The areas' outlines with each facility marked and linked (``link(facility)`` is its page)."""
    points = [tuple(p) for a in areas for p in a.outline] + [(f.lat, f.lon) for f in facilities]
    if not points:
        return ""
    xy = _frame(points, width, height)
    out = [
        f'<svg {SVG} viewBox="0 0 {width} {height}" role="group" aria-labelledby="fmap">'
        '<title id="fmap">殡葬服务机构分布图</title>'
    ]
    for a in areas:
        out.append(
            '<polygon points="'
            + " ".join("{:.1f},{:.1f}".format(*xy(*p)) for p in a.outline)
            + '" fill="#f5f5f5" stroke="#bdbdbd"/>'
        )
    for f in facilities:
        x, y = xy(f.lat, f.lon)
        out.append(
            f'<a href="{escape(link(f))}"><circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="#37474f">'
            f"<title>{escape(f.name)}</title></circle>"
            f'<text x="{x + 11:.1f}" y="{y + 4:.1f}" font-size="13">{escape(f.name)}</text></a>'
        )
    out.append("</svg>")
    return "".join(out)


def section(plots, marked, cell=34) -> str:
    rows = max(p.row for p in plots)
    cols = max(p.number for p in plots)
    width, height = cols * cell + 60, rows * cell + 60
    out = [
        f'<svg {SVG} viewBox="0 0 {width} {height}" role="img" aria-labelledby="sec">'
        f'<title id="sec">{escape(marked.section)}区 第{marked.row}排 第{marked.number}号</title>'
    ]
    for r in range(1, rows + 1):
        out.append(f'<text x="8" y="{30 + r * cell - cell / 2 + 5:.0f}" font-size="12">{r}排</text>')
        for c in range(1, cols + 1):
            here = r == marked.row and c == marked.number
            fill = "#c62828" if here else "#eceff1"
            mark = ' data-marked="1"' if here else ""
            out.append(
                f'<rect x="{40 + (c - 1) * cell}" y="{20 + (r - 1) * cell}" '
                f'width="{cell - 4}" height="{cell - 4}" rx="3" '
                f'fill="{fill}"{mark}/>'
            )
    out.append(
        f'<text x="40" y="{height - 8}" font-size="12">入口 ↓（{escape(marked.section)}区）</text></svg>'
    )
    return "".join(out)


def route(positions, facility, width=480, height=300) -> str:
    if not positions:
        return ""
    points = [(p.lat, p.lon) for p in positions] + [(facility.lat, facility.lon)]
    xy = _frame(points, width, height)
    line = " ".join("{:.1f},{:.1f}".format(*xy(p.lat, p.lon)) for p in positions)
    fx, fy = xy(facility.lat, facility.lon)
    lx, ly = xy(positions[-1].lat, positions[-1].lon)
    return (
        f'<svg {SVG} viewBox="0 0 {width} {height}" role="img" aria-labelledby="route">'
        '<title id="route">接运路线</title>'
        f'<polyline points="{line}" fill="none" stroke="#1565c0" stroke-width="3" '
        f'data-points="{len(positions)}"/>'
        f'<circle cx="{fx:.1f}" cy="{fy:.1f}" r="7" fill="#37474f"/>'
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="6" fill="#c62828"/></svg>'
    )
