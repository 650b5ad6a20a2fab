"""The briefing's timeline as a PNG (matplotlib's Agg canvas: no display, no browser), shared by the PDF and the
Word file. Milestones are dashed lines numbered as in the briefing's milestone list."""

from __future__ import annotations

import io

import pandas as pd

from .content import Briefing

COLOURS = ["#1f5f8b", "#e07b39", "#3a9d5d", "#b04a6f", "#7a5cc7", "#8c8c2a", "#4aa3b0", "#a35a2a", "#666666"]
FREQ_OFFSET = {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3), "year": pd.DateOffset(years=1)}


def period(b: pd.Timestamp, freq: str) -> str:
    """'2018', '2018-Q1' or '2018-01'."""
    return (
        str(b.year)
        if freq == "year"
        else (f"{b.year}-Q{b.quarter}" if freq == "quarter" else f"{b.year}-{b.month:02d}")
    )


def milestone_positions(briefing: Briefing) -> list[tuple[int, float]]:
    """(number in the briefing's list, x position on the bar axis) of each milestone inside the chart's span:
    bar i covers [i - 0.5, i + 0.5), and a milestone sits at its fraction of the way through its bin."""
    bins = sorted({b for b, _s, _n in briefing.timeline})
    if not bins:
        return []
    step = FREQ_OFFSET[briefing.freq]
    out = []
    for n, m in enumerate(briefing.milestones, start=1):
        t = pd.Timestamp(m.date)
        for i, b in enumerate(bins):
            if b <= t < b + step:
                out.append((n, i - 0.5 + (t - b) / ((b + step) - b)))
                break
    return out


def timeline_png(briefing: Briefing, width_in: float = 7.0, height_in: float = 2.8, dpi: int = 160) -> bytes | None:
    """Stacked bars per period (every period from the first to the last, empty ones at zero), or None when
    nothing dated is counted."""
    if not briefing.timeline:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    df = pd.DataFrame(briefing.timeline, columns=["bin", "series", "n"])
    table = df.pivot_table(index="bin", columns="series", values="n", aggfunc="sum", sort=False).fillna(0)
    table = table.sort_index()
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = range(len(table))
    bottom = [0.0] * len(table)
    for k, series in enumerate(table.columns):
        vals = table[series].tolist()
        ax.bar(x, vals, bottom=bottom, color=COLOURS[k % len(COLOURS)], label=str(series), width=0.8)
        bottom = [a + b for a, b in zip(bottom, vals)]
    labels = [period(b, briefing.freq) for b in table.index]
    every = max(1, len(labels) // 12)
    ax.set_xticks(list(x)[::every], labels[::every], rotation=45, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("Times raised" if briefing.kind == "ask" else "Passages", fontsize=8)
    ax.set_xlim(-0.6, len(table) - 0.4)
    top = max(bottom) if bottom else 1
    ax.set_ylim(0, top * 1.18 + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    for n, pos in milestone_positions(briefing):
        ax.axvline(pos, color="#c0392b", linestyle="--", linewidth=0.9)
        ax.text(
            pos,
            top * 1.1 + 0.4,
            str(n),
            color="#c0392b",
            fontsize=7,
            ha="center",
            va="center",
            parse_math=False,
            bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec="#c0392b", lw=0.6),
        )
    if len(table.columns) > 1:
        leg = ax.legend(fontsize=6, frameon=False, loc="upper left", ncols=2)
        for t in leg.get_texts():
            t.set_parse_math(False)  # a '$' in a theme label is text, not maths
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
