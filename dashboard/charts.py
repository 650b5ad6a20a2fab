"""Pure plotly figure builders: data in, figure out. No Streamlit here.

Every name, label and hover value from documents or the taxonomy goes through ``plot_text`` (plotly renders
``<a>``, ``<b>``, ``<br>`` in text): a speaker written as ``<a href=…>`` is shown as those characters.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from dashboard.text import plot_text

VENUE_COLOURS = qualitative.Safe


def _label(labels: dict[str, str]):
    """Theme id -> its label, escaped for plotly."""
    return lambda t: plot_text(labels.get(t, t))


#: hover text of a bar: the trace's name (an escaped label) is read by plotly, never put into the template
_BAR_HOVER = "%{fullData.name}<br>%{x}: %{y} passages<extra></extra>"


def timeline(counts: pd.DataFrame, labels: dict[str, str], freq: str) -> go.Figure:
    """Stacked bars of passages per time bin and theme: one trace a theme, in the order the themes first appear
    (built with graph objects: plotly express took four times as long for a monthly chart of every theme)."""
    order = [bin_label(b, freq) for b in sorted(counts["bin"].unique())]
    label = _label(labels)
    fig = go.Figure(
        [
            go.Bar(
                x=[bin_label(b, freq) for b in sub["bin"]],
                y=sub["passages"].tolist(),
                name=label(t),
                legendgroup=label(t),
                hovertemplate=_BAR_HOVER,
            )
            for t, sub in counts.groupby("theme", sort=False)
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=f"Theme mentions per {freq}",
        legend_title_text="Theme",
        margin=dict(t=50, l=10, r=10, b=10),
        height=380,
    )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order, title=freq.capitalize())
    fig.update_yaxes(title="Passages")
    return fig


def bin_label(b, freq: str) -> str:
    """'2018', '2018-Q1' or '2018-01': a period, never a made-up day."""
    b = pd.Timestamp(b)
    return (
        str(b.year)
        if freq == "year"
        else (f"{b.year}-Q{b.quarter}" if freq == "quarter" else f"{b.year}-{b.month:02d}")
    )


def undated_bar(undated: dict[str, int], labels: dict[str, str]) -> go.Figure:
    items = [(_label(labels)(t), n) for t, n in undated.items() if n]
    fig = go.Figure(go.Bar(x=[n for _, n in items], y=[lab for lab, _ in items], orientation="h", marker_color="#999"))
    fig.update_layout(
        title="Undated (not placed on any date)",
        height=max(160, 40 * len(items) + 80),
        margin=dict(t=50, l=10, r=10, b=10),
    )
    return fig


def heatmap(matrix: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Passages per theme (rows, the first on top) and venue, each cell with its number."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=[plot_text(c) for c in matrix.columns],
            y=[_label(labels)(t) for t in matrix.index],
            colorscale="Blues",
            texttemplate="%{z}",
            colorbar=dict(title=dict(text="Passages")),
            hovertemplate="Venue: %{x}<br>Theme: %{y}<br>Passages: %{z}<extra></extra>",
        )
    )
    fig.update_layout(title="Themes by venue", height=120 + 40 * len(matrix), margin=dict(t=50, l=10, r=10, b=10))
    fig.update_xaxes(type="category", title="Venue")
    fig.update_yaxes(type="category", title="Theme", autorange="reversed")
    return fig


def counts_bar(counts: pd.Series, title: str) -> go.Figure:
    counts = counts[counts > 0].sort_values()
    fig = go.Figure(
        go.Bar(x=counts.values, y=[plot_text(i) for i in counts.index], orientation="h", marker_color="#1f5f8b")
    )
    fig.update_layout(title=title, height=max(180, 28 * len(counts) + 80), margin=dict(t=50, l=10, r=10, b=10))
    return fig


def ask_timeline(asks: pd.DataFrame) -> go.Figure:
    """Each occurrence of each canonical ask on its date, coloured by venue (a trace a venue, in the order the
    venues first appear; the ask first raised on top). Built with graph objects: plotly express took three times
    as long, and importing it 0.4 s at every start."""
    df = asks[asks["date"] != ""]
    order = df.groupby("ask_group_label")["date_start"].min().sort_values().index.tolist()
    venues = df["venue"].astype(str).replace("", "(unknown)")
    hover = (
        "Venue: %{fullData.name}<br>Ask: %{y}<br>Date: %{customdata[0]}<br>Speaker: %{customdata[1]}"
        "<br>Ask id: %{customdata[2]}<extra></extra>"
    )
    traces = []
    for i, (venue, sub) in enumerate(df.groupby(venues, sort=False)):
        info = [
            [plot_text(d), plot_text(s or "(unknown)"), plot_text(a)]
            for d, s, a in zip(sub["date"].astype(str), sub["speaker"].astype(str), sub["ask_id"].astype(str))
        ]
        traces.append(
            go.Scatter(
                x=sub["date_start"],
                y=[plot_text(x) for x in sub["ask_group_label"].astype(str)],
                mode="markers",
                name=plot_text(venue),
                marker=dict(size=12, line=dict(width=1, color="white"), color=VENUE_COLOURS[i % len(VENUE_COLOURS)]),
                customdata=info,
                hovertemplate=hover,
            )
        )
    layout = dict(
        title="When each ask was raised",
        legend_title_text="Venue",
        height=max(300, 34 * df["ask_group_label"].nunique() + 120),
        margin=dict(t=50, l=10, r=10, b=10),
        xaxis=dict(title="Date"),
        yaxis=dict(
            title=None, type="category", categoryorder="array", categoryarray=[plot_text(x) for x in order[::-1]]
        ),
    )
    if len(df):  # pad the date axis so a single date is not stretched into milliseconds
        lo, hi = df["date_start"].min(), df["date_start"].max()
        pad = max(pd.Timedelta(days=45), (hi - lo) * 0.05)
        layout["xaxis"]["range"] = [lo - pad, hi + pad]
    return go.Figure(traces, layout)


def add_milestones(fig: go.Figure, milestones, freq: str | None = None) -> go.Figure:
    """Campaign milestones (core.milestones.Milestone) drawn on a timeline as dashed vertical lines, each with its
    label (cut at 40 characters; the whole label and the date on hover). On a period axis (``timeline``: categories
    such as '2018-Q1') a milestone sits on its period and ``freq`` names the periods; on a date axis
    (``ask_timeline``) on its date. Milestones outside the periods shown are left out. Returns ``fig``."""
    cats = None
    if fig.layout.xaxis.type == "category":
        cats = {str(x) for tr in fig.data for x in (tr.x if tr.x is not None else [])}
    for m in milestones:
        x = bin_label(m.date, freq or "month") if cats is not None else pd.Timestamp(m.date)
        if cats is not None and x not in cats:
            continue
        short = m.label if len(m.label) <= 40 else m.label[:39] + "…"
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            xref="x",
            yref="paper",
            line=dict(color="#c0392b", dash="dash", width=1),
        )
        fig.add_annotation(
            x=x,
            y=1,
            xref="x",
            yref="paper",
            text=plot_text(short),
            showarrow=False,
            textangle=-90,
            xanchor="left",
            yanchor="top",
            font=dict(size=10, color="#c0392b"),
            hovertext=plot_text(f"{m.date.isoformat()}: {m.label}"),
        )
    return fig
