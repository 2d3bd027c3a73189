"""Test frames for the linkage from the FIRST generator (``oneplan.samples.feeds``), shaped
as the feeds part stores records after issue 14: ``house_no_hash`` and ``agency_category``
columns, and categories as agencies really send them (a share of copies filed as อื่น ๆ,
``other``, or under another agency's label). Also a skewed-name frame for the bounded-cost
tests and benchmark. Synthetic data only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oneplan.complaints import feeds, normalise, privacy
from oneplan.samples import feeds as generate

KEY = b"tests-only-salt-0123456789"


def records(n: int, seed: int, *, id_tag: str = "", provinces=("40", "45"),
            other_share: float = 0.12, mislabel_share: float = 0.12,
            truth_offset: int = 0) -> pd.DataFrame:
    """``n`` adapted records with ``truth_matter``/``truth_person``, ``house_no_hash`` and
    ``agency_category``; ``other_share`` of the copies filed as ``other`` and
    ``mislabel_share`` under a different category (another agency's label)."""
    g = generate.generate(n, list(provinces), seed=seed, id_tag=id_tag,
                          truth_offset=truth_offset)
    reg = feeds.registry()
    parts = []
    for agency, part in g.records.groupby("agency_id", sort=True):
        res = feeds.adapt(generate.to_feed_frame(part, reg[agency]), reg[agency],
                          source_file=agency, synthetic=True, key=KEY)
        assert len(res.rejected) == 0
        house = normalise.house_from_address(part["address"].astype("string"))
        parts.append(res.accepted.assign(
            truth_matter=part["truth_matter"].to_numpy(),
            truth_person=part["truth_person"].to_numpy(),
            house_no_hash=privacy.hash_values(house, "house", KEY).to_numpy(),
            agency_category=part["category"].to_numpy()))
    out = pd.concat(parts, ignore_index=True)
    return relabel(out, seed, other_share, mislabel_share)


def relabel(recs: pd.DataFrame, seed: int, other_share: float,
            mislabel_share: float) -> pd.DataFrame:
    """Categories as agencies send them: some copies ``other``, some another category."""
    rng = np.random.default_rng(seed + 7)
    cats = np.array(sorted(generate.CATEGORY_WEIGHTS), dtype=object)
    u = rng.random(len(recs))
    cat = recs["category"].to_numpy(dtype=object).copy()
    other = u < other_share
    wrong = (u >= other_share) & (u < other_share + mislabel_share)
    cat[other] = "other"
    cat[wrong] = cats[rng.integers(0, len(cats), wrong.sum())]
    return recs.assign(category=pd.Series(cat, index=recs.index, dtype="string"))


def skewed(n: int, seed: int, *, name_pairs: int = 300, subdistricts: int = 20
           ) -> pd.DataFrame:
    """``n`` records of the first generator whose names are replaced by only
    ``name_pairs`` (first, last) pairs (Zipf-distributed) and whose people live in only
    ``subdistricts`` sub-districts, so a few blocks hold most records — the issue's
    stress case. Identity beyond the name (ID, phone, house) is kept."""
    g = generate.generate(n, ["45"], seed=seed)
    r = g.records
    rng = np.random.default_rng(seed)
    persons = r["truth_person"].to_numpy()
    subs = np.array(sorted(r["subdistrict_code"].unique())[:subdistricts], dtype=object)
    r = r.assign(subdistrict_code=subs[rng.zipf(1.5, persons.max() + 1) % len(subs)][persons])
    pair_of_person = rng.zipf(1.3, persons.max() + 1) % name_pairs
    firsts = np.array(generate.MALE[:20] + generate.FEMALE[:20], dtype=object)
    lasts = np.array([f"{a}{b}" for a in generate.MALE[:5] for b in generate.FEMALE[:5]],
                     dtype=object)
    k = pair_of_person[persons]
    fn = firsts[k % len(firsts)]
    ln = lasts[(k // len(firsts)) % len(lasts)]
    ident = r["first_name"].notna().to_numpy()
    key, hv = KEY, privacy.hash_values
    house = normalise.house_from_address(r["address"].astype("string"))
    addr = house + "|" + normalise.moo_from_address(r["address"].astype("string")).astype(
        "string") + "|" + r["subdistrict_code"]
    out = pd.DataFrame({
        "complaint_id": "x:" + pd.Series(np.arange(len(r))).astype(str),
        "received_on": pd.to_datetime(r["received"]).dt.normalize(),
        "category": r["category"].astype("string"),
        "subdistrict_code": r["subdistrict_code"].astype("string"),
        "district_code": r["subdistrict_code"].str[:4].astype("string"),
        "moo": normalise.moo_from_address(r["address"].astype("string")),
        "text": r["text"],
        "first_name": pd.Series(np.where(ident, fn, None), dtype="string"),
        "last_name": pd.Series(np.where(ident, ln, None), dtype="string"),
        "person_id_hash": hv(normalise.national_ids(r["national_id"].astype("string")), "id",
                             key),
        "phone_hash": hv(normalise.phones(r["phone"].astype("string")), "phone", key),
        "address_hash": hv(addr, "address", key),
        "house_no_hash": hv(house, "house", key),
        "truth_matter": r["truth_matter"].to_numpy(),
        "truth_person": r["truth_person"].to_numpy(),
    })
    return out
