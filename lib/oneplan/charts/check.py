"""Checks that a chart tells the truth: :func:`degenerate` finds the scales that mislead.

A chart misleads when it magnifies nothing into something or hides an order:

``flat_bars``
    every bar of an axes has the same value while the value axis spans only a sliver
    around it (bars of 100.0 on a 99.8–100.2 axis look different; they are not);
``tiny_colour_range``
    a colour scale (a colour bar, a choropleth) spans less than :data:`MIN_RELATIVE_SPREAD`
    of its values (7.975–7.995 coloured from pale to dark);
``unsorted_bars``
    a single series of bars that is not sorted by the value it plots (a ranking read top
    to bottom must be in order).

:func:`shared_ranks` gives tied values one rank (1, 2, 2, 4), for rankings shown beside a
chart. The checks read a finished :class:`~matplotlib.figure.Figure` (what the reader
sees), so they work for every chart of the package and for charts drawn elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.cm import ScalarMappable
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

__all__ = ["MIN_RELATIVE_SPREAD", "Problem", "degenerate", "is_flat", "shared_ranks"]

MIN_RELATIVE_SPREAD = 0.01
"""A scale whose range is less than 1 % of its largest absolute value is degenerate."""


@dataclass(frozen=True)
class Problem:
    """One misleading scale: its kind, the axes' title, and what was found."""

    kind: str
    axes: str
    detail: str


def is_flat(values: Iterable[float], rel: float = MIN_RELATIVE_SPREAD) -> bool:
    """True when the finite ``values`` spread over less than ``rel`` of their largest size
    (so a colour or bar scale over them would only magnify rounding)."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if len(v) < 2:
        return False
    size = float(np.max(np.abs(v)))
    return bool(size > 0 and (v.max() - v.min()) < rel * size)


def shared_ranks(values: Sequence[float] | pd.Series, *, decimals: int | None = 1,
                 ascending: bool = False) -> pd.Series:
    """Competition ranks in which tied values share a rank: 10, 8, 8, 5 → 1, 2, 2, 4.

    Values are compared as shown (rounded to ``decimals``; None compares them exactly),
    so two provinces printed as "8.0" never get different ranks. Largest first unless
    ``ascending``. Returns integer ranks with the index of ``values``.
    """
    s = pd.Series(values, dtype=float)
    shown = s.round(decimals) if decimals is not None else s
    return shown.rank(method="min", ascending=ascending).astype("Int64")


def _bars(ax) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Each bar series of ``ax``: (positions, values, horizontal)."""
    out = []
    for c in ax.containers:
        if not isinstance(c, BarContainer) or not len(c.patches):
            continue
        horizontal = getattr(c, "orientation", None) == "horizontal"
        if horizontal:
            pos = np.array([p.get_y() + p.get_height() / 2 for p in c.patches])
            val = np.array([p.get_x() + p.get_width() for p in c.patches])
        else:
            pos = np.array([p.get_x() + p.get_width() / 2 for p in c.patches])
            val = np.array([p.get_y() + p.get_height() for p in c.patches])
        out.append((pos, val, horizontal))
    return out


def _title(ax) -> str:
    return ax.get_title(loc="left") or ax.get_title() or ax.get_label() or "axes"


def degenerate(fig: Figure, *, check_order: bool = True,
               rel: float = MIN_RELATIVE_SPREAD) -> list[Problem]:
    """The misleading scales of ``fig`` (empty when none); see the module docstring.

    ``check_order=False`` skips ``unsorted_bars`` (for bars in a natural order, e.g. years
    or quarters). A bar chart with one bar, or bars of different series (grouped bars),
    is not checked for order.
    """
    fig.canvas.draw_idle() if fig.canvas is not None else None
    problems: list[Problem] = []
    for ax in fig.axes:
        title = _title(ax)
        series = _bars(ax)
        if series:
            ends = np.concatenate([v for _, v, _ in series])
            horizontal = series[0][2]
            lo, hi = ax.get_xlim() if horizontal else ax.get_ylim()
            size = max(abs(lo), abs(hi), float(np.max(np.abs(ends))) if len(ends) else 0.0)
            if len(ends) > 1 and is_flat(ends, rel) and size > 0 and (hi - lo) < rel * size * 5:
                problems.append(Problem(
                    "flat_bars", title,
                    f"{len(ends)} bars all at {ends.mean():.4g} on an axis "
                    f"{min(lo, hi):.4g}–{max(lo, hi):.4g}"))
            if check_order and len(series) == 1 and len(series[0][0]) > 2:
                pos, val, _ = series[0]
                v = val[np.argsort(pos)]
                d = np.diff(v)
                if not ((d >= -1e-12).all() or (d <= 1e-12).all()):
                    problems.append(Problem("unsorted_bars", title,
                                            "bars are not in the order of their values"))
        for mappable in _mappables(ax):
            norm = mappable.norm
            if norm is None or norm.vmin is None or norm.vmax is None:
                continue
            if is_flat([norm.vmin, norm.vmax], rel):
                problems.append(Problem(
                    "tiny_colour_range", title,
                    f"colour scale {norm.vmin:.4g}–{norm.vmax:.4g}"))
    return problems


def _mappables(ax) -> list[ScalarMappable]:
    """Colour-mapped artists of ``ax`` and the mappables of colour bars drawn into it."""
    out = [c for c in ax.collections if isinstance(c, ScalarMappable)
           and c.get_array() is not None]
    out += [im for im in ax.images]
    cbar = getattr(ax, "_colorbar", None)
    if cbar is not None:
        out.append(cbar.mappable)
    return out
