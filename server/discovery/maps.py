"""A map drawn from the project's own data (community outlines and report points) as SVG: no tile
server, works offline, prints."""

from __future__ import annotations

from html import escape

from server.discovery.rules import Status

SVG_NS = "http://www.w3.org/2000/svg"
STATUS_COLOURS = {
    Status.NEW: "#c62828",
    Status.ASSIGNED: "#ef6c00",
    Status.VISITED: "#1565c0",
    Status.CLOSED: "#2e7d32",
    Status.SPAM: "#757575",
}


def svg(areas, reports, names: dict[str, str], width: int = 720, height: int = 520) -> str:
    points = [(p[0], p[1]) for a in areas for p in a.outline] + [(r.lat, r.lon) for r in reports]
    if not points:
        return f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" role="img"><title>无数据</title></svg>'
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    pad = 20
    scale = min((width - 2 * pad) / max(east - west, 1e-6), (height - 2 * pad) / max(north - south, 1e-6))

    def xy(lat: float, lon: float) -> str:
        return f"{pad + (lon - west) * scale:.1f},{pad + (north - lat) * scale:.1f}"

    parts = [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="map-title">',
        '<title id="map-title">主动发现报告分布图</title>',
    ]
    for a in areas:
        outline = " ".join(xy(*p) for p in a.outline)
        cx, cy = xy(a.centre_lat, a.centre_lon).split(",")
        name = escape(names.get(a.region_code, a.region_code))
        parts.append(
            f'<polygon points="{outline}" fill="#f5f5f5" stroke="#9e9e9e" stroke-width="1">'
            f"<title>{name}</title></polygon>"
        )
        parts.append(
            f'<text x="{cx}" y="{cy}" font-size="12" text-anchor="middle" fill="#424242">{name}</text>'
        )
    for r in reports:
        x, y = xy(r.lat, r.lon).split(",")
        colour = STATUS_COLOURS.get(r.status, "#000")
        label = escape(f"{r.reference} {r.status}")
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="{7 if r.urgent else 5}" fill="{colour}" data-status="{r.status}">'
            f"<title>{label}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
