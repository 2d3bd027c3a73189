"""The independent complaint generator (tests/generators/independent.py) writes what it
promises: raw agency files with mixed date forms within one feed, labels outside a feed's
list, repeated case numbers, free-text-only addresses, varied headers; a truth file that
agrees with the files; namesakes, relatives, skew. All synthetic."""

import re
from collections import Counter

import geothai
import pandas as pd
import pytest
from generators import independent as gen

from oneplan.complaints import address

N = 4000


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return gen.write(tmp_path_factory.mktemp("indep"), n_records=N, seed=7)


@pytest.fixture(scope="module")
def feeds():
    return gen.load_feeds()


def _norm(h: str) -> str:
    return re.sub(r"\s+", " ", str(h).replace("_", " ").replace(" - ", "-")).strip().casefold()


def read_feed(written, feeds, agency: str) -> pd.DataFrame:
    """One agency's file as written, columns renamed to canonical fields."""
    feed = feeds[agency]
    path = next(p for p in written.paths if p.name.startswith(agency + "_"))
    if feed["format"] == "xlsx":
        df = pd.read_excel(path, sheet_name=feed.get("sheet") or "Sheet1", dtype=object)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=feed["encoding"])
    by_header = {_norm(gen._header(h)): f for f, h in feed["columns"].items()}
    for f, syns in (feed.get("header_synonyms") or {}).items():
        by_header.update({_norm(s): f for s in syns})
    df.columns = [by_header[_norm(c)] for c in df.columns]
    return df


def date_form(value) -> str:
    """Which way a date cell is written."""
    if not isinstance(value, str):
        return "excel"
    v = value.strip()
    if re.search("[๐-๙]", v):
        return "thai_digits"
    if re.match(r"^\d{4}-\d{2}-\d{2}", v):
        return "iso_ce" if int(v[:4]) < 2400 else "ymd_be"
    if re.match(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}", v):
        return "dmy_be" if int(re.split(r"[/.\-]", v)[2][:4]) > 2400 else "dmy_ce"
    if re.match(r"^\d{1,2}/\d{1,2}/\d{2}$", v):
        return "dmy_be_2y"
    if re.search(r"[ก-๛]\.[ก-๛]+\.", v):
        return "thai_abbr"
    if re.match(r"^\d{1,2}\s*[ก-๛]+\s*\d{4}", v):
        month = re.sub(r"[\d\s:]", "", v)
        return "thai_full" if len(month) > 4 else "thai_abbr_nodot"
    return "other:" + v


def test_every_file_is_marked_synthetic(written):
    assert "SYNTHETIC" in (written.feeds_dir.parent / "README.txt").read_text("utf-8")
    assert all("synthetic" in p.name for p in written.paths)
    xlsx = [p for p in written.paths if p.suffix == ".xlsx"]
    assert xlsx and all(pd.ExcelFile(p).sheet_names[0] == "README" for p in xlsx)


def test_one_feed_mixes_date_forms(written, feeds):
    forms = Counter(date_form(v) for v in read_feed(written, feeds, "dd_province")["received"])
    assert not [f for f in forms if f.startswith("other")], forms
    # the feed's own form is the most common, and at least five others are mixed in
    assert forms.most_common(1)[0][0] == "dmy_be"
    assert len(forms) >= 6, forms
    assert {"iso_ce", "thai_abbr", "thai_digits"} <= set(forms)
    everywhere = Counter()
    for agency in feeds:
        everywhere.update(date_form(v) for v in read_feed(written, feeds, agency)["received"])
    assert set(gen.DATE_FORMS) <= set(everywhere), everywhere


def test_truth_dates_agree_with_the_form_written(written, feeds):
    t = written.truth[written.truth["agency_id"] == "dd_province"]
    df = read_feed(written, feeds, "dd_province")
    seen = [date_form(df["received"].iloc[r - 2]) for r in t["source_row"]]
    assert seen == t["date_form"].tolist()


def test_labels_outside_the_feed_list(written, feeds):
    unknown = Counter()
    for agency, feed in feeds.items():
        labels = set(map(str, (feed.get("categories") or {})))
        cats = read_feed(written, feeds, agency)["category"].astype(str)
        unknown.update(c for c in cats if c not in labels)
    assert unknown["อื่น ๆ"] > 0
    assert len(unknown) >= 5
    kinds = written.truth["label_kind"].value_counts()
    assert kinds["own"] > kinds["other_word"] > 0 and kinds["foreign_label"] > 0


def test_repeated_case_numbers(written, feeds):
    t = written.truth
    assert t["repeated_case_no"].sum() > 0 and t["resend"].sum() > 0
    reused = same = 0
    for agency in feeds:
        df = read_feed(written, feeds, agency)
        for _, g in df.groupby("case_no"):
            if len(g) > 1:
                if g["text"].nunique() > 1:
                    reused += 1
                else:
                    same += 1   # the same row sent again
    assert reused > 0 and same > 0


def test_free_text_only_addresses(written, feeds):
    for agency, mode in written.config.free_text.items():
        df = read_feed(written, feeds, agency)
        place_cols = {"subdistrict_code", "subdistrict", "district", "province"}
        if mode == "drop":
            assert not place_cols & set(df.columns)
        else:
            present = place_cols & set(df.columns)
            assert present and all((df[c].fillna("") == "").all() for c in present)
        assert df["address"].str.contains(r"ต\.|ตำบล", regex=True).mean() > 0.4
    # the address parser reads them back to the truth's sub-district, and never a wrong one
    # with confidence
    t = written.truth[written.truth["address_mode"].str.startswith("free_text")]
    rows = []
    for agency, g in t.groupby("agency_id"):
        df = read_feed(written, feeds, agency)
        rows.append(pd.DataFrame({"text": df["address"].iloc[g["source_row"] - 2].to_numpy(),
                                  "truth": g["subdistrict_code"].to_numpy()}))
    both = pd.concat(rows, ignore_index=True)
    out = address.parse(both["text"])
    right = out["subdistrict_code"] == both["truth"]
    assert right.mean() > 0.85, right.mean()
    wrong = out["subdistrict_code"].notna() & ~right
    assert (out.loc[wrong, "confidence"] < 0.9).all()


def test_truth_agrees_with_the_files(written, feeds):
    t = written.truth
    assert len(t) == N
    for agency in feeds:
        n_rows = len(read_feed(written, feeds, agency))
        rows = t.loc[t["agency_id"] == agency, "source_row"]
        assert sorted(rows) == list(range(2, n_rows + 2))
    assert not {"name", "first_name", "last_name", "national_id", "phone"} & set(t.columns)
    per_matter = t.groupby("truth_matter").agg(persons=("truth_person", "nunique"),
                                               cats=("category", "nunique"))
    assert (per_matter["persons"] == 1).all() and (per_matter["cats"] == 1).all()
    copies = t[~t["resend"]].groupby("truth_matter")["agency_id"].agg(["size", "nunique"])
    assert (copies["size"] == copies["nunique"]).all()       # one copy per agency
    assert copies["size"].between(1, 5).all() and (copies["size"] >= 2).mean() > 0.5
    assert (copies["size"] >= 4).any()
    assert t["subdistrict_code"].map(lambda c: geothai.subdistrict(c) is not None).all()


def test_same_person_same_category_different_matter(written):
    t = written.truth
    again = t[t["matter_kind"] == "same_category"].drop_duplicates("truth_matter")
    assert len(again) > 10
    firsts = t.drop_duplicates("truth_matter").set_index("truth_matter")
    hits = 0
    for _, r in again.iterrows():
        earlier = firsts[(firsts["truth_person"] == r["truth_person"])
                         & (firsts["category"] == r["category"])
                         & (firsts.index != r["truth_matter"])]
        hits += len(earlier) > 0
    assert hits == len(again)


def test_people_have_realistic_names_namesakes_and_relatives():
    import random

    import numpy as np

    cfg = gen.Config(n_records=20_000, seed=3)
    places = gen._places(cfg.provinces)
    people = gen._people(cfg, 8000, places, random.Random(3), np.random.default_rng(3))
    first = people["first"].value_counts(normalize=True)
    assert first.head(5).sum() > 0.2                      # a few very common first names
    assert people["last"].nunique() > 1000                 # and many surnames
    village = ["subdistrict_code", "moo", "first", "last"]
    dup = people[people.duplicated(village, keep=False)]
    assert dup.groupby(village)["household"].nunique().gt(1).any()   # namesakes, same village
    assert people["namesake"].sum() > 0.02 * people["household"].nunique()
    fam = people.groupby("household").agg(n=("person", "size"), last=("last", "nunique"))
    assert ((fam["n"] >= 3) & (fam["last"] == 1)).sum() > 100        # same-surname families
    assert {"boy", "girl", "m", "f_married", "f_single"} <= set(people["role"])


def test_titles_ids_and_phones_vary(written, feeds):
    names = read_feed(written, feeds, "dd_province")["name"]
    titles = Counter(re.match(r"^(นางสาว|นาย|นาง|น\.ส\.|ด\.ช\.?|ด\.ญ\.?|เด็กชาย|เด็กหญิง|Mr\.)?",
                              n).group(1) for n in names)
    assert {"นาย", "นาง", "น.ส.", "นางสาว", None} <= set(titles)
    df = read_feed(written, feeds, "dd_province")
    assert 0.2 < (df["national_id"] == "").mean() < 0.7
    assert 0.1 < (df["phone"] == "").mean() < 0.6
    assert df["national_id"].str.contains("-").any() and df["phone"].str.startswith("+66").any()


def test_headers_vary_but_stay_readable(written, feeds):
    varied = 0
    for agency, feed in feeds.items():
        path = next(p for p in written.paths if p.name.startswith(agency + "_"))
        if feed["format"] == "xlsx":
            headers = pd.read_excel(path, sheet_name=feed.get("sheet") or "Sheet1",
                                    nrows=0).columns
        else:
            headers = pd.read_csv(path, nrows=0, encoding=feed["encoding"]).columns
        declared = {gen._header(h) for h in feed["columns"].values()}
        varied += sum(h not in declared for h in headers)
    assert varied > 10


def test_skew_knob_limits_name_pairs(tmp_path):
    w = gen.write(tmp_path, n_records=1500, seed=5, skew_pairs=30)
    df = read_feed(w, gen.load_feeds(), "dd_district")
    pairs = set(zip(df["first_name"], df["last_name"]))
    assert len(pairs) < 30 + 0.15 * len(df)     # the 30 pairs, plus typing slips
    assert len(w.truth) == 1500


def test_same_seed_same_files(tmp_path):
    a = gen.write(tmp_path / "a", n_records=500, seed=11)
    b = gen.write(tmp_path / "b", n_records=500, seed=11)
    assert a.truth.equals(b.truth)
    for pa, pb in zip(a.paths, b.paths):
        if pa.suffix == ".csv":
            assert pa.read_bytes() == pb.read_bytes()
