"""Choropleth maps of a province's districts or of the country's provinces, matplotlib only.

The boundaries are the simplified GeoJSON files in ``data/maps`` (see its README): the Royal
Thai Survey Department boundaries of 2019 published by UN OCHA on HDX, simplified in the R
package mapthai. Their codes are DOPA codes (``ADM2_PCODE`` "TH4001" is district ``"4001"``,
``ADM1_PCODE`` "TH40" is province ``"40"``); all 928 district codes of the current ``geothai``
register are present. Every map carries the data credit as a small note under it.

Shapes are read once per process (:func:`functools.lru_cache`) into numpy arrays; nothing
here needs geopandas or shapely. Coordinates stay longitude/latitude, and the axes aspect is
``1 / cos(mean latitude)`` so shapes are not stretched (an equirectangular view, fine at the
scale of a province or of Thailand). Like every chart, the functions build a
:class:`~matplotlib.figure.Figure` without pyplot (:func:`oneplan.charts.style.new_figure`)
and use the report's Thai font; their texts are in ``charts/text/maps.yml``.

The Thai names of four districts are cut short in the GeoJSON (a 16-character field
limit, e.g. "เมืองนครศรีธรรมร"); those labels are completed from ``geothai``.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.colors import Colormap, Normalize, to_rgba
from matplotlib.cm import ScalarMappable
from matplotlib import patheffects, ticker
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.path import Path
from matplotlib.textpath import text_to_path

from oneplan.charts.check import is_flat
from oneplan.charts.style import new_figure, use_thai_style
from oneplan.core.paths import MAPS_DIR
from oneplan.core.text import LANGS, check_lang, text

log = logging.getLogger(__name__)

DISTRICTS_FILE = MAPS_DIR / "th_districts.geojson"
PROVINCES_FILE = MAPS_DIR / "th_provinces.geojson"

NO_DATA_COLOUR = "#D9D9D9"
"""Fill of areas without a value (light grey)."""
EDGE_COLOUR = "white"

CREDIT = {lang: text("charts.maps.credit", lang) for lang in LANGS}
"""The boundary data credit drawn under every map by language (see ``data/maps/README.md``;
the text is in the catalogue ``charts/text/maps.yml``)."""
CREDIT_GID = "oneplan-map-credit"
"""``gid`` of the credit Text artist (lets tests and post-processing find it)."""

FIG_WIDTH = 7.0
"""Figure width in inches (fits the text width of an A4 page)."""


# --------------------------------------------------------------------------- data loading


@dataclass(frozen=True)
class Area:
    """One district or province: code, names and polygons.

    ``polygons`` holds one tuple of rings per polygon part, exterior ring first then holes;
    each ring is an ``(n, 2)`` float array of (longitude, latitude) whose last point repeats
    the first.
    """

    code: str
    parent: str
    name_th: str
    name_en: str
    polygons: tuple[tuple[np.ndarray, ...], ...]

    def name(self, lang: str) -> str:
        """The area's name in ``lang``."""
        return getattr(self, f"name_{check_lang(lang)}")


def _rings(geometry: dict) -> tuple[tuple[np.ndarray, ...], ...]:
    kind = geometry["type"]
    if kind == "Polygon":
        parts = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        parts = geometry["coordinates"]
    else:  # pragma: no cover - the bundled files hold only these two
        raise ValueError(f"unsupported geometry type {kind!r}")
    out = []
    for part in parts:
        rings = []
        for ring in part:
            arr = np.asarray(ring, dtype=float)[:, :2]
            if len(arr) and not np.array_equal(arr[0], arr[-1]):
                arr = np.vstack([arr, arr[:1]])
            if len(arr) >= 4:
                rings.append(arr)
        if rings:
            out.append(tuple(rings))
    return tuple(out)


def _geothai_district_names() -> dict[str, str]:
    try:
        import geothai
    except ImportError:  # pragma: no cover - geothai is a project dependency
        return {}
    names = {}
    for p in geothai.provinces():
        for d in geothai.districts(p.code):
            names[str(d.code)] = d.name_th
    return names


def _complete_name(short: str, full: str | None) -> str:
    """``short`` unless it is a cut-off start of ``full`` (minus a เขต/อำเภอ prefix)."""
    if not full:
        return short
    for prefix in ("อำเภอ", "เขต"):
        if full.startswith(prefix) and not short.startswith(prefix):
            full = full[len(prefix):]
            break
    if len(full) > len(short) and full.startswith(short):
        return full
    return short


@functools.lru_cache(maxsize=1)
def _districts() -> dict[str, Area]:
    with open(DISTRICTS_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    full = _geothai_district_names()
    out = {}
    for feat in data["features"]:
        p = feat["properties"]
        code = p["ADM2_PCODE"].removeprefix("TH")
        name_th = _complete_name(p["ADM2_TH"], full.get(code))
        out[code] = Area(code, p["ADM1_PCODE"].removeprefix("TH"), name_th, p["ADM2_EN"],
                         _rings(feat["geometry"]))
    return out


@functools.lru_cache(maxsize=1)
def _provinces() -> dict[str, Area]:
    with open(PROVINCES_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    out = {}
    for feat in data["features"]:
        p = feat["properties"]
        code = p["ADM1_PCODE"].removeprefix("TH")
        out[code] = Area(code, "", p["ADM1_TH"], p["ADM1_EN"], _rings(feat["geometry"]))
    return out


def district_codes(province_code: str) -> list[str]:
    """Sorted codes of the districts of ``province_code`` that have a boundary in the file.

    Raises ``ValueError`` naming the code when the province has no district polygons.
    """
    code = str(province_code).strip()
    codes = sorted(c for c, a in _districts().items() if a.parent == code)
    if not codes:
        raise ValueError(
            f"no district boundaries for province code {province_code!r}; expected a "
            f"2-digit DOPA province code such as '40' ({len(_provinces())} provinces in "
            f"{PROVINCES_FILE.name})"
        )
    return codes


def province_codes() -> list[str]:
    """Sorted codes of the 77 provinces (including Bangkok, 10) in the province file."""
    return sorted(_provinces())


# --------------------------------------------------------------------------- geometry


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def _ring_centroid(ring: np.ndarray) -> tuple[float, float]:
    x, y = ring[:, 0], ring[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    a = cross.sum() / 2
    if abs(a) < 1e-15:
        return float(x[:-1].mean()), float(y[:-1].mean())
    return (float(((x[:-1] + x[1:]) * cross).sum() / (6 * a)),
            float(((y[:-1] + y[1:]) * cross).sum() / (6 * a)))


def _inside(part: tuple[np.ndarray, ...], pt: tuple[float, float]) -> bool:
    if not Path(part[0]).contains_point(pt):
        return False
    return not any(Path(hole).contains_point(pt) for hole in part[1:])


def _widest_interior_point(part: tuple[np.ndarray, ...]) -> tuple[float, float]:
    """Middle of the widest horizontal run inside the polygon, over a few scan lines."""
    ymin, ymax = part[0][:, 1].min(), part[0][:, 1].max()
    best, best_w = None, -1.0
    for f in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9):
        y = ymin + f * (ymax - ymin)
        xs = []
        for ring in part:
            y0, y1 = ring[:-1, 1], ring[1:, 1]
            x0, x1 = ring[:-1, 0], ring[1:, 0]
            hit = (y0 <= y) != (y1 <= y)  # half-open: each crossing counted once
            t = (y - y0[hit]) / (y1[hit] - y0[hit])
            xs.extend(x0[hit] + t * (x1[hit] - x0[hit]))
        xs.sort()
        for a, b in zip(xs[0::2], xs[1::2]):
            if b - a > best_w:
                best, best_w = ((a + b) / 2, y), b - a
    if best is None:  # degenerate ring
        return _ring_centroid(part[0])
    return float(best[0]), float(best[1])


def label_point(area: Area) -> tuple[float, float]:
    """A point inside ``area`` to anchor its label (longitude, latitude).

    The area-weighted centroid of the largest polygon part when it lies inside that part,
    otherwise the middle of the widest horizontal run across the part.
    """
    part = max(area.polygons, key=lambda p: abs(_signed_area(p[0])))
    pt = _ring_centroid(part[0])
    if _inside(part, pt):
        return pt
    return _widest_interior_point(part)


def _path_data(area: Area) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and codes of one compound path (all parts and holes) for ``area``.

    Exterior rings are made counter-clockwise and holes clockwise, so the non-zero fill rule
    used by the renderers leaves holes empty.
    """
    verts, codes = [], []
    for part in area.polygons:
        for i, ring in enumerate(part):
            ccw = _signed_area(ring) > 0
            if ccw != (i == 0):
                ring = ring[::-1]
            c = np.full(len(ring), Path.LINETO, dtype=Path.code_type)
            c[0] = Path.MOVETO
            c[-1] = Path.CLOSEPOLY
            verts.append(ring)
            codes.append(c)
    return np.concatenate(verts), np.concatenate(codes)


# --------------------------------------------------------------------------- drawing


def _clean_values(values: pd.Series, known: Sequence[str], what: str) -> dict[str, float]:
    """``{code: value}`` for known codes with a finite value; warn about unknown codes."""
    if not isinstance(values, pd.Series):
        values = pd.Series(values)
    codes = [str(c).strip() for c in values.index]
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"duplicate {what} codes in values: {', '.join(dup)}")
    nums = pd.to_numeric(pd.Series(values.to_numpy(), index=codes), errors="raise")
    known_set = set(known)
    unknown = [c for c in codes if c not in known_set]
    if unknown:
        log.warning("%d value(s) ignored: %s code(s) not on this map: %s", len(unknown), what,
                    ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else ""))
    return {c: float(v) for c, v in nums.items()
            if c in known_set and v is not None and np.isfinite(float(v))}


def _norm(vals: Sequence[float]) -> Normalize:
    lo, hi = float(min(vals)), float(max(vals))
    if lo == hi:  # one value: a small range around it, so the colour bar is drawable
        pad = abs(lo) * 0.05 or 0.5
        lo, hi = lo - pad, hi + pad
    return Normalize(lo, hi)


def _fig_height(areas: Sequence[Area], *, map_width: float, extra: float,
                lo: float, hi: float) -> float:
    pts = np.concatenate([p[0] for a in areas for p in a.polygons])
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    k = math.cos(math.radians((y0 + y1) / 2))
    ratio = (y1 - y0) / max((x1 - x0) * k, 1e-9)
    return float(min(hi, max(lo, map_width * ratio + extra)))


def _draw(ax, areas: Sequence[Area], data: dict[str, float], *, title: str, legend_label: str,
          lang: str, cmap, labels: dict[str, str], label_size: float,
          linewidth: float, equal_word: str = "") -> PolyCollection:
    """Draw ``areas`` coloured by ``data`` into ``ax``, with the colour bar, the no-data
    and credit notes. Values that differ by less than 1 % of their size
    (:func:`oneplan.charts.check.is_flat`) are one class in one colour, with the legend
    "every <equal_word> equal (value)" instead of a colour bar."""
    cm = matplotlib.colormaps[cmap] if isinstance(cmap, str) else cmap
    if not isinstance(cm, Colormap):
        raise TypeError(f"cmap must be a colormap name or Colormap, not {type(cmap).__name__}")
    flat = is_flat(data.values())  # one class: a colour scale would magnify rounding
    norm = _norm(list(data.values())) if data and not flat else None
    grey = to_rgba(NO_DATA_COLOUR)
    one = cm(0.6)
    faces = [(one if flat else cm(norm(data[a.code]))) if a.code in data else grey
             for a in areas]

    paths = [_path_data(a) for a in areas]
    coll = PolyCollection([v for v, _ in paths], facecolors=faces, edgecolors=EDGE_COLOUR,
                          linewidths=linewidth, gid="oneplan-map-areas")
    coll.set_verts_and_codes([v for v, _ in paths], [c for _, c in paths])
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()
    ax.margins(0.02)
    pts = np.concatenate([v for v, _ in paths])
    mid_lat = (pts[:, 1].min() + pts[:, 1].max()) / 2
    ax.set_aspect(1 / math.cos(math.radians(mid_lat)), adjustable="datalim")
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left")

    fig = ax.get_figure()
    cax = None
    if norm is not None:
        sm = ScalarMappable(norm=norm, cmap=cm)
        cbar = fig.colorbar(sm, ax=ax, shrink=0.6, aspect=22, pad=0.02)
        cbar.set_label(legend_label)
        cbar.outline.set_visible(False)
        cbar.ax.tick_params(labelsize=8)
        if max(abs(norm.vmin), abs(norm.vmax)) >= 1e4:  # 1,250,000 rather than 1.25 × 1e6
            cbar.formatter = ticker.StrMethodFormatter("{x:,.0f}")
        cax = cbar.ax
    missing = sum(a.code not in data for a in areas)
    handles = []
    if flat:
        mean = float(np.mean(list(data.values())))
        handles.append(Patch(facecolor=one, edgecolor="#BBBBBB", linewidth=0.5,
                             label=text("charts.maps.equal", lang, areas=equal_word,
                                        value=f"{mean:,.1f}", unit=legend_label).strip()))
    if missing:
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="#BBBBBB", linewidth=0.5,
                             label=text("charts.style.label.no_data", lang)))
    if handles:
        if cax is not None:  # under the colour bar
            cax.legend(handles=handles, loc="upper left", bbox_to_anchor=(-0.2, -0.04),
                       frameon=False, fontsize=8, handlelength=1.2, borderaxespad=0)
        else:
            ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    ax.text(0, -0.01, CREDIT[lang], transform=ax.transAxes, ha="left", va="top", fontsize=6,
            color="#666666", gid=CREDIT_GID)
    if labels:
        by_code = {a.code: a for a in areas}
        _place_labels(ax, [by_code[c] for c in labels], labels, label_size)
    return coll


def _place_labels(ax, areas: Sequence[Area], labels: dict[str, str], size: float) -> list[str]:
    """Write ``labels`` inside their areas in the given order of priority, skipping any that
    would overlap one already written; returns the codes left out (also logged).

    Positions are measured after running the figure's layout engine once, so the check
    matches the figure at its current size.
    """
    fig = ax.get_figure()
    engine = fig.get_layout_engine()
    if engine is not None:
        try:
            engine.execute(fig)
        except Exception:  # pragma: no cover - a layout failure only weakens the check
            log.debug("layout before label placement failed", exc_info=True)
    ax.apply_aspect()
    prop = FontProperties(size=size)
    px = fig.dpi / 72
    halo = [patheffects.withStroke(linewidth=2.0, foreground="white", alpha=0.85)]
    placed: list[tuple[float, float, float, float]] = []
    skipped = []
    for a in areas:
        text = labels[a.code]
        x, y = label_point(a)
        cx, cy = ax.transData.transform((x, y))
        w = text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0] * px
        h = size * 1.3 * px
        box = (cx - w / 2 - px, cy - h / 2, cx + w / 2 + px, cy + h / 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
               for b in placed):
            skipped.append(a.code)
            continue
        placed.append(box)
        ax.text(x, y, text, ha="center", va="center", fontsize=size, color="#1A1A1A",
                path_effects=halo, gid=f"oneplan-map-label-{a.code}", clip_on=False)
    if skipped:
        log.info("%d map label(s) left out to avoid overlaps: %s", len(skipped),
                 ", ".join(labels[c] for c in skipped))
    return skipped


def district_choropleth(values: pd.Series, province_code: str, *, title: str = "",
                        legend_label: str = "", lang: str = "th", cmap: str | Colormap = "YlGnBu",
                        ax=None, label_districts: bool = True) -> Figure:
    """Map of the districts of one province coloured by ``values``.

    ``values`` is indexed by 4-digit DOPA district code (``"4001"``); districts without a
    (finite) value are light grey and listed as "ไม่มีข้อมูล"/"No data" in the legend. Codes
    of other provinces are logged as a warning and ignored. District names (Thai, or English
    with ``lang="en"``) are written inside each district unless ``label_districts=False``.

    Draws into ``ax`` when given (returning its figure), else into a new 7-inch-wide figure.
    Raises ``ValueError`` when ``province_code`` has no district boundaries.
    """
    check_lang(lang)
    use_thai_style()
    codes = district_codes(province_code)
    areas = [_districts()[c] for c in codes]
    data = _clean_values(values, codes, f"district (province {province_code})")
    if ax is None:
        fig = new_figure(FIG_WIDTH, _fig_height(areas, map_width=5.4, extra=1.0, lo=4.0, hi=9.0))
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    n = len(areas)
    size = 7.0 if n <= 15 else 6.5 if n <= 25 else 6.0 if n <= 35 else 5.0
    # labels in order of priority: the largest districts first
    order = sorted(areas, key=lambda a: -sum(abs(_signed_area(p[0])) for p in a.polygons))
    labels = {a.code: a.name(lang) for a in order} if label_districts else {}
    _draw(ax, areas, data, title=title, legend_label=legend_label, lang=lang, cmap=cmap,
          labels=labels, label_size=size, linewidth=0.6,
          equal_word=text("charts.maps.districts", lang))
    return fig


def province_choropleth(values: pd.Series, *, title: str = "", legend_label: str = "",
                        lang: str = "th", cmap: str | Colormap = "YlGnBu", ax=None,
                        label_top: int = 0) -> Figure:
    """National map of the 77 provinces coloured by ``values`` (indexed by 2-digit code).

    Same conventions as :func:`district_choropleth`. No names by default; ``label_top=k``
    writes the names of the ``k`` provinces with the largest values.
    """
    check_lang(lang)
    use_thai_style()
    provs = _provinces()
    areas = [provs[c] for c in sorted(provs)]
    data = _clean_values(values, list(provs), "province")
    if ax is None:
        fig = new_figure(FIG_WIDTH, _fig_height(areas, map_width=4.6, extra=1.0, lo=5.0, hi=9.0))
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    top = sorted(data, key=lambda c: data[c], reverse=True)[: max(0, int(label_top))]
    if is_flat(data.values()):  # all equal: no "largest" to name
        top = []
    labels = {c: provs[c].name(lang) for c in top}
    _draw(ax, areas, data, title=title, legend_label=legend_label, lang=lang, cmap=cmap,
          labels=labels, label_size=6.0, linewidth=0.3,
          equal_word=text("charts.maps.provinces", lang))
    return fig
