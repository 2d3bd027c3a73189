"""Charts: Thai font everywhere, Thai/English labels, PNG rendering without missing glyphs."""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.text import Text

from oneplan import charts
from oneplan.core.fonts import FONT_FAMILY, thai_bold_font_path, thai_font_css, thai_font_path


@pytest.fixture
def projects() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 40
    return pd.DataFrame({
        "district_name": rng.choice(["เมืองขอนแก่น", "น้ำพอง", "บ้านฝาง", "ชุมแพ", "อุบลรัตน์"], n),
        "cost_baht": np.exp(rng.uniform(np.log(2e4), np.log(4e7), n)),
        "priority": rng.uniform(0, 1, n),
        "selected": rng.random(n) < 0.5,
    })


def _texts(fig: Figure) -> list[Text]:
    fig.canvas.draw()  # tick labels exist only after a draw
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _render_png(fig: Figure, caplog) -> bytes:
    """Render to PNG; fail on any missing-glyph warning or findfont fallback."""
    buf = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        fig.savefig(buf, format="png")
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert not glyph, glyph
    findfont = [r.getMessage() for r in caplog.records if "findfont" in r.getMessage()]
    assert not findfont, findfont
    data = buf.getvalue()
    assert data.startswith(b"\x89PNG")
    return data


def test_font_files_exist():
    path = thai_font_path()
    assert path.is_file() and path.suffix == ".ttf"
    bold = thai_bold_font_path()
    assert bold.is_file()
    entry = font_manager.ttfFontProperty(matplotlib.ft2font.FT2Font(str(bold)))
    assert entry.name == FONT_FAMILY and entry.weight == 700


def test_font_css_embeds_static_regular_and_bold():
    css = thai_font_css()
    assert css.count("@font-face") == 2
    assert "font-weight: 400" in css and "font-weight: 700" in css
    assert "data:font/ttf;base64," in css
    assert f"'{FONT_FAMILY}', sans-serif" in css
    assert thai_font_css() is css  # cached


def test_use_thai_style_is_idempotent():
    charts.use_thai_style()
    n = len(font_manager.fontManager.ttflist)
    charts.use_thai_style()
    assert len(font_manager.fontManager.ttflist) == n
    rc = matplotlib.rcParams
    assert rc["font.family"][0] == FONT_FAMILY
    assert rc["pdf.fonttype"] == 42 and rc["svg.fonttype"] == "none"
    assert not rc["axes.spines.top"] and not rc["axes.spines.right"]
    # our files win over a system copy of Noto Sans Thai
    found = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY))
    assert Path(found) == thai_font_path()
    found_bold = font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY,
                                                                   weight="bold"))
    assert Path(found_bold) == thai_bold_font_path()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_budget_by_district(projects, lang, caplog):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = charts.budget_by_district(projects, lang=lang)
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before  # not kept alive by pyplot
    ax = fig.axes[0]
    if lang == "th":
        assert "อำเภอ" in ax.get_title(loc="left") and "ล้านบาท" in ax.get_xlabel()
    else:
        assert ax.get_title(loc="left") == "Selected project budget by district"
        assert "million baht" in ax.get_xlabel()
    # only selected rows, in million baht, sorted so the largest is on top
    expected = (projects[projects.selected].groupby("district_name").cost_baht.sum() / 1e6)
    widths = {t.get_text(): p.get_width()
              for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)}
    assert widths == pytest.approx(expected.to_dict())
    bars = [p.get_width() for p in ax.patches]
    assert bars == sorted(bars)
    assert ax.texts or ax.containers  # value labels
    allowed = {thai_font_path(), thai_bold_font_path()}
    for t in _texts(fig):
        assert Path(font_manager.findfont(t.get_fontproperties())) in allowed, t.get_text()
    _render_png(fig, caplog)


def test_budget_by_district_all_rows_and_empty():
    df = pd.DataFrame({"district_name": ["ก", "ข", "ก"], "cost_baht": [1e6, 2e6, 3e6]})
    ax = charts.budget_by_district(df, selected_col=None).axes[0]
    assert sorted(p.get_width() for p in ax.patches) == pytest.approx([2.0, 4.0])
    empty = charts.budget_by_district(df.iloc[:0])
    assert "ไม่มีข้อมูล" in [t.get_text() for t in empty.axes[0].texts]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_benefit_vs_cost(projects, lang, caplog):
    fig = charts.benefit_vs_cost(projects, lang=lang)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    if lang == "th":
        assert set(labels) == {"โครงการที่เลือก", "ไม่ได้เลือก"}
        assert ax.get_ylabel() == "คะแนนความสำคัญ"
    else:
        assert set(labels) == {"Selected", "Not selected"}
    # x data in million baht
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    assert sorted(xs) == pytest.approx(sorted(projects.cost_baht / 1e6))
    for t in _texts(fig):
        assert Path(font_manager.findfont(t.get_fontproperties())) in {
            thai_font_path(), thai_bold_font_path()}, t.get_text()
    _render_png(fig, caplog)


def test_benefit_vs_cost_drops_non_positive_cost(projects, caplog):
    df = projects.copy()
    df.loc[0, "cost_baht"] = 0
    with caplog.at_level(logging.WARNING, logger="oneplan.charts"):
        fig = charts.benefit_vs_cost(df)
    assert "left out" in caplog.text
    assert sum(len(c.get_offsets()) for c in fig.axes[0].collections) == len(df) - 1


@pytest.mark.parametrize(("lang", "note"), [
    ("th", "ข้อมูลสังเคราะห์ (ตัวอย่าง) — ไม่ใช่ข้อมูลจริง"),
    ("en", "Synthetic sample data — not real"),
])
def test_synthetic_watermark(projects, lang, note, caplog):
    fig = charts.budget_by_district(projects, lang=lang)
    assert charts.synthetic_watermark(fig, lang) is fig
    assert note in [t.get_text() for t in _texts(fig)]
    _render_png(fig, caplog)


def test_unknown_language(projects):
    with pytest.raises(ValueError, match="lang must be one of th, en"):
        charts.budget_by_district(projects, lang="fr")


def test_write_chart_png_for_inspection(projects, tmp_path, caplog):
    """Writes a PNG a person can open (kept in pytest's tmp dir)."""
    fig = charts.synthetic_watermark(charts.benefit_vs_cost(projects))
    out = tmp_path / "benefit_vs_cost.png"
    out.write_bytes(_render_png(fig, caplog))
    assert out.stat().st_size > 10_000


@pytest.mark.slow
def test_figure_displays_as_png_in_a_kernel():
    """A chart returned as a cell's value shows as one PNG in an executed notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import NoSuchKernel

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import pandas as pd\n"
        "from oneplan import charts\n"
        "df = pd.DataFrame({'district_name': ['น้ำพอง', 'ชุมแพ'], 'cost_baht': [2e6, 1e6],"
        " 'selected': [True, True]})\n"
        "charts.budget_by_district(df)"
    )])
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    except NoSuchKernel:
        pytest.skip("no python3 Jupyter kernel installed")
    outputs = nb.cells[0].outputs
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, outputs


def test_show_marks_synthetic_charts_only(monkeypatch):
    import IPython.display

    from oneplan import charts

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    from matplotlib.figure import Figure

    marked, plain = Figure(), Figure()
    charts.show(marked, synthetic=True, lang="th")
    charts.show(plain, synthetic=False, lang="th")
    assert shown == [marked, plain]
    gids = [[t.get_gid() for t in f.texts] for f in shown]
    assert "oneplan-synthetic-watermark" in gids[0]
    assert "oneplan-synthetic-watermark" not in gids[1]
