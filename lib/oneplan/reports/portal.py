"""The reports portal: ``reports/index.html``, one static page linking every report.

It opens straight from disk (``file://``, no server, no network): the Thai font is embedded
as CSS, the filter by region and name is a few lines of inline JavaScript (without
JavaScript every province is simply listed), and every link is a relative path to a file
that exists when the page is written.

What it finds under ``<out_root>/<fiscal year>/``:

* ``national/`` (or the fiscal-year folder itself): ``national_overview.{html,pdf}`` and the
  national cookbooks ``cookbook_<practice>.{html,pdf}``, shown at the top;
* ``<code>/`` for each of the 76 provinces: the water report (``water_portfolio``), the
  needs plan (``needs_plan``), the follow-up (``followup``), the complaints report
  (``complaints``) and the cookbooks (``cookbook_<practice>``), HTML and PDF, with key
  figures from the summaries beside them (``summary.json`` of the water report,
  ``<report>.summary.json`` of the others).

Every planning province gets a row, with or without reports, so a missing report is seen.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from oneplan.core import areas, thai
from oneplan.core.paths import NATIONAL_DIR

log = logging.getLogger(__name__)


PRACTICE_LABELS = {
    "surin": ("Surin One Plan", "Surin One Plan"),
    "plan101pro": ("Plan101Pro", "Plan101Pro"),
    "water": ("แผนน้ำแบบบูรณาการ", "Integrated water plan"),
    "damrongdhama": ("เชื่อมโยงเรื่องร้องเรียน", "Complaint linkage"),
}

PROVINCE_REPORTS: tuple[tuple[str, str, str], ...] = (
    ("water_portfolio", "แผนน้ำ", "Water plan"),
    ("needs_plan", "ความต้องการสู่แผน", "Needs plan"),
    ("followup", "ติดตามผล", "Follow-up"),
    ("complaints", "เรื่องร้องเรียน", "Complaints"),
) + tuple((f"cookbook_{p}", f"ตำรา {th}", f"Cookbook: {en}")
          for p, (th, en) in PRACTICE_LABELS.items())
"""Report file stems looked for in each province folder, with Thai and English labels."""

NATIONAL_REPORTS: tuple[tuple[str, str, str], ...] = (
    ("national_overview", "ภาพรวมประเทศ", "National overview"),
) + tuple((f"cookbook_{p}", f"ตำรา {th} (เปรียบเทียบจังหวัด)", f"Cookbook: {en} (provinces compared)")
          for p, (th, en) in PRACTICE_LABELS.items())

# (sources, Thai label, English label, kind); each source is (summary file, key path); the
# first source that has the key wins, none gives "–". The cookbook summaries carry the
# providers' fixed keys, so they back up the reports' own summaries.
KEY_FIGURES: tuple[tuple[tuple[tuple[str, tuple[str, ...]], ...], str, str, str], ...] = (
    ((("summary.json", ("n_candidates",)),), "โครงการน้ำที่เสนอ", "Water projects proposed",
     "int"),
    ((("summary.json", ("n_selected",)),), "เลือก", "Selected", "int"),
    ((("summary.json", ("selected_baht",)),), "งบที่เลือก (ล้านบาท)", "Selected (million baht)",
     "million"),
    ((("summary.json", ("households_served",)),), "ครัวเรือนที่ได้ประโยชน์",
     "Households served", "int"),
    ((("needs_plan.summary.json", ("needs",)),
      ("cookbook_surin.summary.json", ("figures", "needs"))),
     "ความต้องการ", "Village needs", "int"),
    ((("complaints.summary.json", ("complaint_records",)),
      ("cookbook_damrongdhama.summary.json", ("figures", "complaint_records"))),
     "เรื่องร้องเรียน", "Complaint records", "int"),
)


@dataclass
class _Row:
    province: areas.Province
    links: list[tuple[str, str, str, list[tuple[str, str]]]]  # (stem, th, en, [(ext, href)])
    figures: list[str]
    synthetic: bool


def _href(path: Path, out_root: Path) -> str:
    return quote(path.relative_to(out_root).as_posix())


def _links(folder: Path, out_root: Path, reports) -> list:
    found = []
    for stem, th, en in reports:
        files = [(ext.upper(), _href(folder / f"{stem}.{ext}", out_root))
                 for ext in ("html", "pdf") if (folder / f"{stem}.{ext}").is_file()]
        if files:
            found.append((stem, th, en, files))
    return found


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError) as exc:
        log.warning("portal: unreadable summary %s: %s", path, exc)
        return None


def _fmt(value, kind: str) -> str:
    if value is None:
        return "–"
    try:
        if kind == "million":
            return thai.format_million(float(value))
        return thai.format_int(int(value))
    except (TypeError, ValueError):  # thai's number errors are ValueErrors
        return "–"


def _lookup(data: dict | None, path: tuple[str, ...]):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _province_row(prov: areas.Province, folder: Path, out_root: Path) -> _Row:
    summaries: dict[str, dict | None] = {}

    def summary(file: str) -> dict | None:
        if file not in summaries:
            summaries[file] = _read_json(folder / file)
        return summaries[file]

    figures = []
    for sources, _th, _en, kind in KEY_FIGURES:
        value = next((v for file, path in sources
                      if (v := _lookup(summary(file), path)) is not None), None)
        figures.append(_fmt(value, kind))
    for stem, *_ in PROVINCE_REPORTS:  # every report's summary says whether it is synthetic
        summary(f"{stem}.summary.json")
    synthetic = any(bool(s.get("synthetic")) for s in summaries.values() if s)
    return _Row(prov, _links(folder, out_root, PROVINCE_REPORTS), figures, synthetic)


def _link_html(stem: str, th: str, en: str, files: list[tuple[str, str]]) -> str:
    anchors = " ".join(f'<a href="{href}">{ext}</a>' for ext, href in files)
    return (f'<span class="rep"><span class="rep-name">{html.escape(th)}'
            f'<span class="en"> {html.escape(en)}</span></span> {anchors}</span>')


def _national_html(fy_dir: Path, out_root: Path) -> tuple[str, bool]:
    items, synthetic = [], False
    folder = fy_dir / NATIONAL_DIR  # where the batch writes them (reports.report_dir)
    for stem, th, en, files in _links(folder, out_root, NATIONAL_REPORTS):
        items.append(f"<li>{_link_html(stem, th, en, files)}</li>")
        s = _read_json(folder / f"{stem}.summary.json")
        synthetic = synthetic or bool(s and s.get("synthetic"))
    if not items:
        return ('<p class="empty">ยังไม่มีรายงานระดับประเทศ · No national report yet</p>',
                synthetic)
    return f'<ul class="national">{"".join(items)}</ul>', synthetic


_CSS = """
body { margin: 1.5rem 2rem; color: #222; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 1.6rem; }
.en { color: #666; font-size: .9em; }
.note { background: #fff3cd; border: 1px solid #d9822b; color: #7a3e00; padding: .4rem 1rem;
  display: inline-block; font-weight: 600; }
.filters { margin: .8rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
.filters input, .filters select { font: inherit; padding: .2rem .4rem; }
table { border-collapse: collapse; width: 100%; }
td, th { padding: .3rem .5rem; border-bottom: 1px solid #ddd; text-align: left;
  vertical-align: top; }
th { background: #f3f5f7; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.rep { display: block; margin: 0 0 .2rem 0; }
.rep a { white-space: nowrap; }
.rep a { margin-left: .2rem; }
ul.national { list-style: none; padding: 0; } ul.national li { margin: .2rem 0; }
.empty, .none { color: #888; }
#count { color: #555; }
"""

_JS = """
(function () {
  var q = document.getElementById('q'), r = document.getElementById('region');
  var only = document.getElementById('only');
  var rows = document.querySelectorAll('#provinces tbody tr');
  var count = document.getElementById('count');
  // a link may preset the filters: index.html#region=northeast&q=khon
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('='), v = decodeURIComponent(p[1] || '');
    if (p[0] === 'q') q.value = v;
    if (p[0] === 'region') r.value = v;
    if (p[0] === 'reports') only.checked = v === '1';
  });
  function apply() {
    var text = q.value.trim().toLowerCase(), region = r.value, shown = 0;
    rows.forEach(function (tr) {
      var ok = (!region || tr.dataset.region === region) &&
               (!text || tr.dataset.search.indexOf(text) !== -1) &&
               (!only.checked || tr.dataset.reports === '1');
      tr.hidden = !ok; if (ok) shown++;
    });
    count.textContent = shown + ' / ' + rows.length;
  }
  q.addEventListener('input', apply); r.addEventListener('change', apply);
  only.addEventListener('change', apply); apply();
})();
"""


def render_portal(out_root: str | Path, fiscal_year: int) -> str:
    """The portal page as HTML text (see :func:`write_portal`)."""
    from oneplan.core import fonts

    out_root = Path(out_root)
    fy_dir = out_root / str(fiscal_year)
    national, synthetic = _national_html(fy_dir, out_root)
    rows = [_province_row(p, fy_dir / p.code, out_root) for p in areas.planning_provinces()]
    synthetic = synthetic or any(r.synthetic for r in rows)
    body = []
    for r in rows:
        p = r.province
        search = html.escape(f"{p.code} {p.name_th} {p.name_en}".lower(), quote=True)
        links = ("".join(_link_html(*link) for link in r.links) if r.links
                 else '<span class="none">ยังไม่มีรายงาน · no report yet</span>')
        figs = "".join(f'<td class="n">{f}</td>' for f in r.figures)
        body.append(
            f'<tr data-region="{p.region}" data-search="{search}" '
            f'data-reports="{1 if r.links else 0}">'
            f"<td>{p.code}</td><td>{html.escape(p.name_th)}<br>"
            f'<span class="en">{html.escape(p.name_en)}</span></td>'
            f'<td>{html.escape(p.region_th)}<br><span class="en">'
            f"{html.escape(areas.REGION_NAMES[p.region][1])}</span></td>"
            f"{figs}<td>{links}</td></tr>")
    fig_heads = "".join(f'<th>{html.escape(th)}<br><span class="en">{html.escape(en)}</span></th>'
                        for _sources, th, en, _kind in KEY_FIGURES)
    options = "".join(f'<option value="{code}">{html.escape(th)} · {html.escape(en)}</option>'
                      for code, (th, en) in areas.REGION_NAMES.items())
    note = ('<p class="note">ข้อมูลตัวอย่างสังเคราะห์ ไม่ใช่ข้อมูลจริง · '
            "Synthetic sample data — not real figures</p>" if synthetic else "")
    n_with = sum(1 for r in rows if r.links)
    return f"""<!doctype html>
<html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>oneplan — รายงานแผนงานโครงการ ปีงบประมาณ {fiscal_year}</title>
<style>{fonts.thai_font_css()}{_CSS}</style>
</head><body>
<h1>รายงานแผนงานโครงการ ปีงบประมาณ {fiscal_year}</h1>
<div class="en">oneplan reports, fiscal year {fiscal_year} (พ.ศ.) ·
{n_with} จังหวัดมีรายงาน / provinces with reports, of {len(rows)}</div>
{note}
<h2>ระดับประเทศ <span class="en">National</span></h2>
{national}
<h2>รายจังหวัด <span class="en">Provinces</span></h2>
<div class="filters">
<label>ค้นหาชื่อหรือรหัส <span class="en">Search name or code</span>
<input id="q" type="search" placeholder="เช่น ขอนแก่น / Khon Kaen / 40"></label>
<label>ภาค <span class="en">Region</span>
<select id="region"><option value="">ทุกภาค · All regions</option>{options}</select></label>
<label><input id="only" type="checkbox"> เฉพาะที่มีรายงาน <span class="en">With reports only</span></label>
<span id="count"></span>
<noscript>(ตัวกรองต้องใช้ JavaScript; แสดงทุกจังหวัด · the filter needs JavaScript; all
provinces are listed)</noscript>
</div>
<table id="provinces"><thead><tr><th>รหัส<br><span class="en">Code</span></th>
<th>จังหวัด<br><span class="en">Province</span></th><th>ภาค<br><span class="en">Region</span></th>
{fig_heads}<th>รายงาน<br><span class="en">Reports</span></th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table>
<script>{_JS}</script>
</body></html>
"""


def write_portal(out_root: str | Path, fiscal_year: int) -> Path:
    """Write ``<out_root>/index.html`` for the fiscal year; returns its path.

    Only files that exist are linked (paths relative to ``out_root``); a summary that
    cannot be read is logged and its figures shown as "–".
    """
    from oneplan.core.files import write_atomic

    out_root = Path(out_root)
    page = render_portal(out_root, int(fiscal_year))
    return write_atomic(out_root / "index.html", page)
