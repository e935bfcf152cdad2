"""Small charts as inline SVG, drawn on the server (no chart library, no script, nothing fetched).

Each chart is an accessible ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that states the
numbers in words; the pages also print the same numbers as a table for screen readers and for copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# colour-blind-safe palette (Okabe-Ito), then greys for "other" and "unknown"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER = "#999999"
UNKNOWN = "#D9D9D9"


@dataclass
class Chart:
    """An SVG chart and the table of its numbers."""

    id: str
    title: str
    svg: str
    rows: list[tuple[str, list[tuple[str, int]]]]  # (category, [(series, count)])
    series: list[str]
    empty: bool


def _colour(series: list[str]) -> dict[str, str]:
    colours, i = {}, 0
    for name in series:
        if name == "other":
            colours[name] = OTHER
        elif name == "unknown":
            colours[name] = UNKNOWN
        else:
            colours[name] = PALETTE[i % len(PALETTE)]
            i += 1
    return colours


def stacked_columns(chart_id: str, title: str, data: dict[str, dict[str, int]], unit: str) -> Chart:
    """Columns per category (e.g. month), each stacked by series (e.g. lineage), with a legend."""
    categories = sorted(data)
    totals: dict[str, int] = {}
    for counts in data.values():
        for name, n in counts.items():
            totals[name] = totals.get(name, 0) + n
    series = sorted(totals, key=lambda s: (s in ("other", "unknown"), s == "unknown", -totals[s], s))
    colours = _colour(series)
    rows = [(c, [(s, data[c][s]) for s in series if data[c].get(s)]) for c in categories]
    if not categories:
        return Chart(chart_id, title, _empty_svg(chart_id, title), rows, series, True)
    top = max(sum(data[c].values()) for c in categories)
    width, height, left, bottom, right = 480, 240, 40, 44, 8
    plot_w, plot_h = width - left - right, height - bottom - 16
    step = plot_w / len(categories)
    bar = max(2.0, min(48.0, step * 0.7))
    parts = []
    for tick in _ticks(top):
        y = 16 + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{tick}</text>')
    label_every = max(1, len(categories) // 12)
    for i, category in enumerate(categories):
        x = left + i * step + (step - bar) / 2
        y = 16 + plot_h
        for name, n in rows[i][1]:
            h = plot_h * n / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colours[name]}">'
                f"<title>{escape(category)}: {escape(name)} {n} {escape(unit)}</title></rect>"
            )
        if i % label_every == 0:
            cx, ty = x + bar / 2, height - bottom + 16
            parts.append(f'<text x="{cx:.1f}" y="{ty}" text-anchor="middle" class="tick">{escape(category)}</text>')
    desc = "; ".join(
        f"{c}: {sum(data[c].values())} {unit} (" + ", ".join(f"{s} {n}" for s, n in r) + ")" for c, r in rows
    )
    svg = _svg(chart_id, title, desc, width, height, "".join(parts))
    return Chart(chart_id, title, svg + _legend(series, colours), rows, series, False)


def bars(chart_id: str, title: str, values: list[tuple[str, int]], unit: str) -> Chart:
    """Horizontal bars, one per label (e.g. structures per protein), longest first."""
    rows = [(label, [(unit, n)]) for label, n in values]
    if not values:
        return Chart(chart_id, title, _empty_svg(chart_id, title), rows, [unit], True)
    top = max(n for _, n in values)
    row_h, label_w, width = 24, 150, 480
    height = row_h * len(values) + 8
    parts = []
    for i, (label, n) in enumerate(values):
        y = 4 + i * row_h
        w = max(1.0, (width - label_w - 60) * n / top)
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="tick">{escape(short)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {n} {escape(unit)}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" class="tick">{n}</text>')
    desc = "; ".join(f"{label}: {n} {unit}" for label, n in values)
    return Chart(chart_id, title, _svg(chart_id, title, desc, width, height, "".join(parts)), rows, [unit], False)


def _ticks(top: int) -> list[int]:
    if top <= 0:
        return [0]
    raw = top / 4
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = max(1, int(-(-raw // magnitude)) * magnitude)
    return list(range(0, top + 1, step))


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def _empty_svg(chart_id: str, title: str) -> str:
    return _svg(
        chart_id, title, "No data loaded for this chart yet.", 480, 60,
        '<text x="240" y="35" text-anchor="middle" class="tick">No data loaded for this chart yet.</text>',
    )  # fmt: skip


def _legend(series: list[str], colours: dict[str, str]) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{colours[s]}" aria-hidden="true"></span>{escape(s)}</li>'
        for s in series
    )
    return f'<ul class="legend" aria-label="Legend">{items}</ul>'
