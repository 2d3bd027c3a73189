"""District and province choropleth maps (oneplan.charts.maps)."""

from __future__ import annotations

import io
import json
import logging
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.path import Path

from oneplan.charts import maps
from oneplan.core.paths import MAPS_DIR

KHON_KAEN = "40"
NO_DATA_CODE = "4005"  # ชุมแพ, left without a value


def _geojson(name: str) -> dict:
    with open(MAPS_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def kk_codes() -> list[str]:
    feats = _geojson("th_districts.geojson")["features"]
    return sorted(f["properties"]["ADM2_PCODE"][2:] for f in feats
                  if f["properties"]["ADM2_PCODE"].startswith("TH40"))


@pytest.fixture(scope="module")
def kk_fig(kk_codes):
    values = pd.Series(np.linspace(1, 100, len(kk_codes)), index=kk_codes).drop(NO_DATA_CODE)
    return maps.district_choropleth(values, KHON_KAEN, title="ขอนแก่น", legend_label="ล้านบาท")


def _areas(fig):
    (coll,) = [c for ax in fig.axes for c in ax.collections if c.get_gid() == "oneplan-map-areas"]
    return coll


def _texts(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    return out


def _png(fig) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buf, format="png")
    glyph = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert not glyph, glyph
    return buf.getvalue()


def test_one_path_per_district(kk_fig, kk_codes):
    assert len(kk_codes) == 26
    assert maps.district_codes(KHON_KAEN) == kk_codes
    assert len(_areas(kk_fig).get_paths()) == len(kk_codes)


def test_no_data_district_is_grey(kk_fig, kk_codes):
    faces = _areas(kk_fig).get_facecolors()
    grey = np.array(to_rgba(maps.NO_DATA_COLOUR))
    i = kk_codes.index(NO_DATA_CODE)
    np.testing.assert_allclose(faces[i], grey)
    others = [f for j, f in enumerate(faces) if j != i]
    assert not any(np.allclose(f, grey) for f in others)
    assert "ไม่มีข้อมูล" in _texts(kk_fig)


def test_thai_district_labels_and_credit(kk_fig):
    texts = _texts(kk_fig)
    assert "เมืองขอนแก่น" in texts  # ADM2_TH of TH4001
    assert "ชุมแพ" in texts
    credits = [t for ax in kk_fig.axes for t in ax.texts if t.get_gid() == maps.CREDIT_GID]
    assert [t.get_text() for t in credits] == [maps.CREDIT["th"]]


def test_saves_png_without_glyph_warnings(kk_fig):
    assert _png(kk_fig).startswith(b"\x89PNG")


def test_english_map():
    fig = maps.district_choropleth(pd.Series({"4001": 5.0}), KHON_KAEN, lang="en",
                                   label_districts=True)
    texts = _texts(fig)
    assert "Mueang Khon Kaen" in texts
    assert maps.CREDIT["en"] in texts
    assert "No data" in texts


def test_unknown_province_raises():
    with pytest.raises(ValueError, match="'99'"):
        maps.district_choropleth(pd.Series(dtype=float), "99")


def test_codes_outside_province_warn_and_are_ignored(caplog, capsys):
    with caplog.at_level(logging.WARNING, logger="oneplan.charts.maps"):
        fig = maps.district_choropleth(pd.Series({"4001": 1.0, "4101": 2.0}), KHON_KAEN,
                                       label_districts=False)
    assert "4101" in caplog.text
    assert capsys.readouterr().out == ""
    faces = _areas(fig).get_facecolors()
    assert sum(not np.allclose(f, to_rgba(maps.NO_DATA_COLOUR)) for f in faces) == 1
    assert not [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("oneplan-map-label")]


def test_label_points_inside_their_district():
    for area in maps._districts().values():  # noqa: SLF001
        x, y = maps.label_point(area)
        assert any(Path(p[0]).contains_point((x, y)) for p in area.polygons), area.code


def test_truncated_thai_names_completed():
    d = maps._districts()  # noqa: SLF001
    assert d["8001"].name_th == "เมืองนครศรีธรรมราช"
    assert d["1008"].name_th == "ป้อมปราบศัตรูพ่าย"
    assert d["4001"].name_th == "เมืองขอนแก่น"


def test_geojson_has_every_geothai_district():
    import geothai

    codes = {d.code for p in geothai.provinces() for d in geothai.districts(p.code)}
    assert len(codes) == 928
    assert codes == set(maps._districts())  # noqa: SLF001


def test_province_map():
    codes = maps.province_codes()
    assert len(codes) == 77
    values = pd.Series(np.arange(len(codes), dtype=float), index=codes).drop("10")
    fig = maps.province_choropleth(values, title="ประเทศไทย", legend_label="คะแนน", label_top=3)
    assert len(_areas(fig).get_paths()) == 77
    labels = [t.get_text() for t in fig.axes[0].texts
              if (t.get_gid() or "").startswith("oneplan-map-label")]
    assert len(labels) == 3 and "ไม่มีข้อมูล" in _texts(fig)
    assert maps.CREDIT["th"] in _texts(fig)
    assert _png(fig).startswith(b"\x89PNG")


def test_bad_language():
    with pytest.raises(ValueError, match="lang must be one of th, en"):
        maps.province_choropleth(pd.Series(dtype=float), lang="fr")
