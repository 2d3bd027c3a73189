"""Cross-agency linkage of complaints, at two levels kept apart ("a person is not
a complaint", ``docs/complaints.md``).

1. **Who filed it** — Splink (DuckDB backend) scores pairs of records on identity only:
   hashed national ID, hashed phone, first and last name (Jaro-Winkler), hashed house
   address, sub-district. Parameters are fixed (``params: complaints.person``), not
   trained per run, so an incremental batch is scored exactly like a full run and the
   model cannot drift towards matching on whatever evidence is most plentiful. Pairs above
   the threshold are joined into people by connected components.
2. **Which matter** — within each person, records are the same matter when their
   categories are in the same group, they were received within ``matter_window_days``
   of each other and their texts are similar (Jaccard of character trigrams of the Thai
   text without tone marks, spaces, boilerplate or abbreviation variants). Records with no
   identity at all are compared with every record of the same sub-district and category
   received within ``anonymous_window_days``, at a stricter text threshold.

A cluster is a connected component of matter links: one parent (its earliest record) and
its linked children. Every source record stays as it was; clustering only adds rows to
``complaint_clusters``.

Incremental linkage (:func:`link`, ``incremental=True``) scores only pairs that involve a
new record (Splink's ``predict_between`` new × existing and ``predict_within`` new),
re-examines matters only inside the people a new record touched, and keeps every earlier
link; since every decision is pairwise with fixed parameters, the clusters equal those of a
full run over the same records (tested).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from oneplan.data.params import ComplaintsParams
from oneplan.complaints import privacy
from oneplan.complaints.feeds import registry
from oneplan.complaints.normalise import text_keys
from oneplan.core import thai

log = logging.getLogger(__name__)

PERSON_COLUMNS = ("rid", "person_id_hash", "phone_hash", "first_name", "last_name",
                  "address_hash", "subdistrict_code", "district_code")

TEXT_BITS = 1024
"""Bits of a text's trigram set (:func:`text_bits`)."""
TEXT_WORDS = TEXT_BITS // 64
"""uint64 words per text in :func:`text_bits`."""


def text_bits(texts, *, chunk: int = 100_000) -> np.ndarray:
    """Each text's set of character trigrams hashed into a :data:`TEXT_BITS`-bit set
    (``(n, TEXT_WORDS)`` uint64): a Bloom-filter encoding whose bit Jaccard tracks the trigram Jaccard.
    Vectorised: texts become fixed-width code-point arrays, trigrams 24-bit codes."""
    keys = text_keys(texts)
    n = len(keys)
    out = np.zeros((n, TEXT_WORDS), dtype=np.uint64)
    width = max((len(k) for k in keys), default=3)
    width = max(3, min(width, 400))
    for start in range(0, n, chunk):
        part = np.array([k[:width] for k in keys[start:start + chunk]], dtype=f"<U{width}")
        cp = part.view(np.uint32).reshape(len(part), width)
        code = np.where(cp >= 0x0E00, (cp - 0x0E00 + 128) & 0xFF, cp & 0x7F).astype(np.uint32)
        tri = (code[:, :-2] << 16) | (code[:, 1:-1] << 8) | code[:, 2:]
        valid = cp[:, 2:] != 0
        pos = ((tri * np.uint32(2654435761)) >> np.uint32(20)) % TEXT_BITS
        rows = np.broadcast_to(np.arange(len(part))[:, None], pos.shape)
        dense = np.zeros((len(part), TEXT_BITS), dtype=np.uint8)
        dense[rows[valid], pos[valid]] = 1
        out[start:start + len(part)] = np.packbits(dense, axis=1).view(">u8").astype(np.uint64)
    return out


def number_bits(texts) -> np.ndarray:
    """The numbers written in each text (หมู่ 4, ซอย 12, กม. 35, 20,000 บาท …) as a 64-bit
    set: two copies of one matter mention the same numbers, two neighbours' look-alike
    reports usually do not. Thai digits count as digits; 0 = no number."""
    import re

    rx = re.compile(r"\d+(?:,\d{3})*")
    out = np.zeros(len(texts), dtype=np.uint64)
    for i, t in enumerate(texts):
        v = 0
        for num in rx.findall(str(t).translate(thai.TO_ARABIC_DIGITS)):
            v |= 1 << (hash_number(num.replace(",", "")) & 63)
        out[i] = v
    return out


def hash_number(num: str) -> int:
    """A stable small hash of a number's digits (Python's own hash is salted per run)."""
    h = 2166136261
    for ch in num.lstrip("0") or "0":
        h = ((h ^ ord(ch)) * 16777619) & 0xFFFFFFFF
    return h >> 7


def number_overlap(nums: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Share of the smaller number set found in the other (1.0 when either has none)."""
    a, b = nums[left], nums[right]
    inter = np.bitwise_count(a & b).astype(np.float64)
    small = np.minimum(np.bitwise_count(a), np.bitwise_count(b)).astype(np.float64)
    return np.where(small == 0, 1.0, inter / np.maximum(small, 1))


def jaccard_bits(bits: np.ndarray, left: np.ndarray, right: np.ndarray,
                 *, chunk: int = 1_000_000) -> np.ndarray:
    """Jaccard similarity of the bit sets of record pairs ``(left[i], right[i])``."""
    out = np.empty(len(left), dtype=np.float64)
    for s in range(0, len(left), chunk):
        a, b = bits[left[s:s + chunk]], bits[right[s:s + chunk]]
        inter = np.bitwise_count(a & b).sum(axis=1)
        union = np.bitwise_count(a | b).sum(axis=1)
        out[s:s + chunk] = inter / np.maximum(union, 1)
    return out


def person_settings(p: ComplaintsParams):
    """The Splink model of person identity with the fixed parameters of ``p.person``."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    q = p.person
    comparisons = [
        cl.ExactMatch("person_id_hash").configure(
            m_probabilities=[q.id_m, 1 - q.id_m], u_probabilities=[q.id_u, 1 - q.id_u]),
        cl.ExactMatch("phone_hash").configure(
            m_probabilities=[q.phone_m, 1 - q.phone_m],
            u_probabilities=[q.phone_u, 1 - q.phone_u]),
        cl.JaroWinklerAtThresholds("first_name", [0.9, 0.75]).configure(
            m_probabilities=list(q.first_name_m), u_probabilities=list(q.first_name_u)),
        cl.JaroWinklerAtThresholds("last_name", [0.9, 0.75]).configure(
            m_probabilities=list(q.last_name_m), u_probabilities=list(q.last_name_u)),
        # one comparison for place, because house and sub-district are not independent
        # evidence: the same house implies the same sub-district. Column names unquoted:
        # in Spark SQL "x" is a string literal, not a column.
        {"output_column_name": "place", "comparison_description": "house, else sub-district",
         "comparison_levels": [
             {"sql_condition": "subdistrict_code_l IS NULL OR subdistrict_code_r IS NULL",
              "label_for_charts": "place missing", "is_null_level": True},
             {"sql_condition": "address_hash_l = address_hash_r",
              "label_for_charts": "same house", "m_probability": q.address_m,
              "u_probability": q.address_u},
             {"sql_condition": "subdistrict_code_l = subdistrict_code_r",
              "label_for_charts": "same sub-district",
              "m_probability": max(q.subdistrict_m - q.address_m, 1e-6),
              "u_probability": q.subdistrict_u},
             {"sql_condition": "ELSE", "label_for_charts": "elsewhere",
              "m_probability": max(1 - q.subdistrict_m, 1e-6),
              "u_probability": 1 - q.subdistrict_u - q.address_u},
         ]},
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rid",
        probability_two_random_records_match=q.prior,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("person_id_hash"), block_on("phone_hash"),
            block_on("last_name", "subdistrict_code"), block_on("first_name", "subdistrict_code"),
            block_on("substr(first_name, 1, 2)", "substr(last_name, 1, 2)", "subdistrict_code"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


def _splink_edges(mem: duckdb.DuckDBPyConnection, p: ComplaintsParams, existing: str | None,
                  new: str) -> np.ndarray:
    """Person links (rid pairs) among ``new`` and between ``new`` and ``existing``."""
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(mem)
    new_df = db_api.register(new)
    linker = Linker(new_df, person_settings(p), log_level=None)
    thr = p.person.threshold
    if existing is None:
        preds = [linker.inference.predict(threshold_match_probability=thr, warning_mode="never")]
    else:
        old_df = db_api.register(existing)
        preds = [linker.inference.predict_within(new_df, threshold_match_probability=thr,
                                                 warning_mode="never"),
                 linker.inference.predict_between(old_df, new_df,
                                                  threshold_match_probability=thr,
                                                  warning_mode="never")]
    out = [mem.execute(f"SELECT rid_l, rid_r FROM {sdf.physical_name}").fetchnumpy()
           for sdf in preds]
    for sdf in preds:
        sdf.drop_table_from_database_and_remove_from_cache()
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return np.column_stack([np.concatenate([o["rid_l"] for o in out]),
                            np.concatenate([o["rid_r"] for o in out])]).astype(np.int64)


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    g = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                   shape=(n, n))
    return connected_components(g, directed=False)[1].astype(np.int64)


def _membership_edges(keys: pd.Series) -> np.ndarray:
    """Edges tying each record with a key to the first record with the same key."""
    k = keys.reset_index(drop=True)
    have = k.notna().to_numpy()
    idx = np.flatnonzero(have)
    if not len(idx):
        return np.empty((0, 2), dtype=np.int64)
    codes, _ = pd.factorize(k[have])
    first = pd.Series(idx).groupby(codes).transform("min").to_numpy()
    return np.column_stack([first, idx]).astype(np.int64)


@dataclass
class LinkStats:
    """What one linkage run did, with its timings (seconds)."""

    records: int = 0
    new_records: int = 0
    person_links: int = 0
    matter_links: int = 0
    people: int = 0
    clusters: int = 0
    changed_records: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def link_frames(existing: pd.DataFrame | None, new: pd.DataFrame, p: ComplaintsParams,
                person_edges: tuple[np.ndarray, np.ndarray] | None = None
                ) -> tuple[pd.DataFrame, LinkStats]:
    """Link ``new`` records against ``existing`` linked ones (None or empty: full run).

    Args:
        existing: records already linked, with the complaint columns used for linkage
            plus ``person_key`` and ``cluster_id``.
        new: records to link (complaint columns).
        person_edges: person links already scored, as two arrays of complaint ids (see
            :func:`link`, which scores them on the records that can block with the new
            ones and passes only the affected part of ``existing``); None: score them here.

    Returns:
        ``(assignments, stats)``: one row per record whose ``person_key``, ``cluster_id``
        or ``is_parent`` is new or changed (for a full run: every record) with columns
        ``complaint_id, person_key, cluster_id, is_parent``.
    """
    t0 = time.perf_counter()
    stats = LinkStats()
    full = existing is None or len(existing) == 0
    cols = ["complaint_id", "received_on", "category", "subdistrict_code", "district_code",
            "moo", "text", "first_name", "last_name", "person_id_hash", "phone_hash",
            "address_hash"]
    old = (pd.DataFrame(columns=cols + ["person_key", "cluster_id"]) if full
           else existing[cols + ["person_key", "cluster_id"]])
    frame = pd.concat([old, new[cols].assign(person_key=None, cluster_id=None)],
                      ignore_index=True)
    n_old, n = len(old), len(frame)
    frame["rid"] = np.arange(n, dtype=np.int64)
    frame["is_new"] = frame["rid"] >= n_old
    stats.records, stats.new_records = n, n - n_old
    groups = {k: v[2] for k, v in registry().categories.items()}
    frame["cat_group"] = frame["category"].map(groups).fillna(frame["category"])
    ident = frame[["person_id_hash", "phone_hash", "first_name", "last_name"]].notna()
    frame["has_identity"] = ident[["person_id_hash", "phone_hash"]].any(axis=1) | (
        ident["first_name"] & ident["last_name"])

    mem = duckdb.connect()
    mem.execute(f"SET threads = {p.threads}") if p.threads else None
    t1 = time.perf_counter()
    if person_edges is None:
        person_cols = list(PERSON_COLUMNS)
        idf = frame.loc[frame["has_identity"], person_cols + ["is_new"]]
        mem.register("idf", idf)
        mem.execute(f"CREATE TABLE person_new AS SELECT {', '.join(person_cols)} FROM idf "
                    "WHERE is_new")
        if not full:
            mem.execute(f"CREATE TABLE person_old AS SELECT {', '.join(person_cols)} FROM idf "
                        "WHERE NOT is_new")
        mem.unregister("idf")
        pedges = _splink_edges(mem, p, None if full else "person_old", "person_new")
    else:
        rid_of = pd.Series(frame["rid"].to_numpy(), index=frame["complaint_id"].to_numpy())
        pedges = np.column_stack([rid_of.reindex(person_edges[0]).to_numpy(),
                                  rid_of.reindex(person_edges[1]).to_numpy()])
        if np.isnan(pedges.astype(float)).any():
            raise ValueError("person_edges name records that are not in existing or new")
        pedges = pedges.astype(np.int64)
    stats.person_links = len(pedges)
    t2 = time.perf_counter()
    stats.seconds["person_splink"] = t2 - t1

    # people: earlier people + new person links; unidentified records stay alone
    person_label = _components(n, np.vstack([pedges, _membership_edges(frame["person_key"])]))
    person_label[~frame["has_identity"].to_numpy()] = -1
    frame["plabel"] = person_label
    touched = np.unique(person_label[frame["is_new"].to_numpy() & (person_label >= 0)])
    frame["touched"] = np.isin(person_label, touched) & (person_label >= 0)
    stats.people = int(len(np.unique(person_label[person_label >= 0])))

    # matter links: (a) within people touched by a new record, (b) unidentified records
    # against any record of the same place and category, one side new
    t3 = time.perf_counter()
    mcols = ["rid", "plabel", "touched", "is_new", "has_identity", "received_on", "category",
             "cat_group", "subdistrict_code", "moo"]
    mem.register("mf", frame[mcols])
    mem.execute("CREATE TABLE m AS SELECT rid, plabel, touched, is_new, has_identity, "
                "received_on::DATE AS d, category, cat_group, subdistrict_code AS sub, moo "
                "FROM mf")
    mem.unregister("mf")
    w, wa = int(p.matter_window_days), int(p.anonymous_window_days)
    # candidate pairs: (a) same person, (b) a record with no identity against its place
    cand = mem.execute(f"""
        SELECT l.rid AS l, r.rid AS r, false AS anon, l.category = r.category AS same_cat
        FROM m l JOIN m r ON l.plabel = r.plabel AND l.rid < r.rid
         AND l.cat_group = r.cat_group AND abs(date_diff('day', l.d, r.d)) <= {w}
        WHERE l.touched AND l.plabel >= 0
        UNION ALL
        SELECT l.rid, r.rid, true, true
        FROM m l JOIN m r ON l.sub = r.sub AND l.category = r.category AND l.rid <> r.rid
         AND abs(date_diff('day', l.d, r.d)) <= {wa}
         AND (l.moo IS NULL OR r.moo IS NULL OR l.moo = r.moo)
        WHERE (NOT l.has_identity) AND (r.has_identity OR l.rid < r.rid)
          AND (l.is_new OR r.is_new)
    """).fetchnumpy()
    mem.close()
    need = np.unique(np.concatenate([cand["l"], cand["r"]])).astype(np.int64)
    bits = np.zeros((n, TEXT_WORDS), dtype=np.uint64)
    if len(need):
        bits[need] = text_bits(frame["text"].to_numpy()[need])
    cl_, cr_ = cand["l"].astype(np.int64), cand["r"].astype(np.int64)
    sim = jaccard_bits(bits, cl_, cr_)
    nums = np.zeros(n, dtype=np.uint64)
    if len(need):
        nums[need] = number_bits(frame["text"].to_numpy()[need])
    overlap = number_overlap(nums, cl_, cr_)
    tp, ta = float(p.text_min_same_person), float(p.text_min_anonymous)
    thr = np.where(cand["anon"], ta, np.where(cand["same_cat"], tp, tp * 1.5))
    keep = (sim >= thr) & (overlap >= float(p.numbers_min_overlap))
    medges = {"l": cand["l"][keep], "r": cand["r"][keep]}
    medges = np.column_stack([medges["l"], medges["r"]]).astype(np.int64)
    stats.matter_links = len(medges)
    t4 = time.perf_counter()
    stats.seconds["matter"] = t4 - t3

    label = _components(n, np.vstack([medges, _membership_edges(frame["cluster_id"])]))
    frame["clabel"] = label
    # person key: smallest complaint id of the person (stable, equal in full/incremental);
    # parent: the cluster's earliest record (ties: smallest complaint id)
    cid_rank, cid_sorted = pd.factorize(frame["complaint_id"], sort=True)
    frame["cid_rank"] = cid_rank
    ident_rows = person_label >= 0
    pmin = pd.Series(cid_rank[ident_rows]).groupby(person_label[ident_rows]).transform("min")
    pkey = np.full(n, None, dtype=object)
    pkey[ident_rows] = "P:" + cid_sorted.to_numpy()[pmin.to_numpy()].astype(object)
    frame["new_person_key"] = pd.Series(pkey, dtype="string")
    if not full:  # people no new record reached keep their key (they may be partly loaded)
        keep_old = ~frame["touched"].to_numpy() & ~frame["is_new"].to_numpy()
        frame.loc[keep_old, "new_person_key"] = frame.loc[keep_old, "person_key"]
    day = frame["received_on"].to_numpy().astype("datetime64[D]").astype(np.int64)
    order = np.lexsort((cid_rank, day, label))
    first_of = np.r_[True, label[order][1:] != label[order][:-1]]
    is_parent = np.zeros(n, dtype=bool)
    is_parent[order[first_of]] = True
    frame["is_parent"] = is_parent
    parent_of_label = np.empty(label.max() + 1 if n else 0, dtype=object)
    parent_of_label[label[is_parent]] = frame["complaint_id"].to_numpy()[is_parent]
    frame["new_cluster_id"] = pd.Series("CL:" + parent_of_label[label].astype(object),
                                        dtype="string")
    stats.clusters = int(frame["clabel"].nunique())
    changed = (frame["is_new"] | (frame["new_cluster_id"] != frame["cluster_id"])
               | (frame["new_person_key"].fillna("") != frame["person_key"].fillna("")))
    # is_parent may change only where the cluster did; the whole cluster is rewritten then
    changed_clusters = np.unique(label[changed.to_numpy()])
    changed = changed | np.isin(label, changed_clusters)
    out = frame.loc[changed, ["complaint_id", "new_person_key", "new_cluster_id", "is_parent"]]
    out = out.rename(columns={"new_person_key": "person_key", "new_cluster_id": "cluster_id"})
    stats.changed_records = len(out)
    stats.seconds["total"] = time.perf_counter() - t0
    return out.reset_index(drop=True), stats


LINK_COLUMNS = ("complaint_id", "received_on", "category", "subdistrict_code", "district_code",
                "moo", "text", "first_name", "last_name", "person_id_hash", "phone_hash",
                "address_hash")


def link(con: duckdb.DuckDBPyConnection, p: ComplaintsParams | None = None, *,
         incremental: bool = True) -> LinkStats:
    """Link the ``complaints`` table of ``con`` into ``complaint_clusters``.

    Args:
        incremental: link only records not yet in ``complaint_clusters`` against the
            clusters already there; False relinks everything from scratch.

    Returns:
        The run's :class:`LinkStats`.

    Raises:
        oneplan.complaints.privacy.SaltError: the salt in use is missing or is not the
            one the database's hashes were made with (linking would go on, but the next
            import would hash with another salt: found here first).
    """
    privacy.verify_salt(con)
    if p is None:
        from oneplan.data.params import load_params

        p = load_params().complaints
    cols = ", ".join(f"c.{c}" for c in LINK_COLUMNS)
    if not incremental:
        con.execute("DELETE FROM complaint_clusters")
    new = con.execute(f"SELECT {cols} FROM complaints c WHERE complaint_id NOT IN "
                      "(SELECT complaint_id FROM complaint_clusters)").df()
    n_linked = con.execute("SELECT count(*) FROM complaint_clusters").fetchall()[0][0]
    if not len(new):
        return LinkStats(records=n_linked)
    if n_linked == 0:
        out, stats = link_frames(None, new, p)
    else:
        existing, edges, t_person = _affected(con, new, p)
        out, stats = link_frames(existing, new, p, person_edges=edges)
        stats.seconds["person_splink"] = t_person
        stats.records = n_linked + len(new)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    out["linked_at"] = now
    con.register("link_out", out)
    con.execute("DELETE FROM complaint_clusters WHERE complaint_id IN "
                "(SELECT complaint_id FROM link_out)")
    con.execute("INSERT INTO complaint_clusters (cluster_id, complaint_id, is_parent, "
                "person_key, linked_at) SELECT cluster_id, complaint_id, is_parent, "
                "person_key, linked_at FROM link_out")
    con.unregister("link_out")
    log.info("linked %d new of %d records: %d clusters, %.1f s", stats.new_records,
             stats.records, stats.clusters, stats.seconds["total"])
    return stats


def _affected(con: duckdb.DuckDBPyConnection, new: pd.DataFrame, p: ComplaintsParams
              ) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray], float]:
    """The part of the linked records a new batch can change, and the person links.

    1. existing records that share a blocking key with a new record (the only ones
       Splink's blocking can pair with it) are scored against the batch
       (``predict_between``) and the batch against itself (``predict_within``);
    2. loaded for the matter level: every record of a person a new record linked to,
       every record of the same sub-district and category within the anonymous window,
       and every member of those records' clusters (so parents are recomputed whole).

    Returns:
        ``(existing subset with person_key and cluster_id, person edges as complaint-id
        arrays, seconds spent on person scoring)``.
    """
    t0 = time.perf_counter()
    con.register("newrecs", new)
    # join the small batch to the big tables on one key at a time (hash joins), never
    # the big tables to each other
    keys = [("person_id_hash",), ("phone_hash",), ("last_name", "subdistrict_code"),
            ("first_name", "subdistrict_code")]
    joins = [" AND ".join(f"e.{k} = n.{k}" for k in ks) for ks in keys]
    joins.append("substr(e.first_name, 1, 2) = substr(n.first_name, 1, 2) AND "
                 "substr(e.last_name, 1, 2) = substr(n.last_name, 1, 2) AND "
                 "e.subdistrict_code = n.subdistrict_code")
    union = " UNION ".join(f"SELECT e.complaint_id FROM complaints e JOIN newrecs n ON {j}"
                           for j in joins)
    pcols = ", ".join(f"e.{c}" for c in PERSON_COLUMNS if c != "rid")
    cand = con.execute(f"""
        WITH ids AS ({union})
        SELECT e.complaint_id, {pcols}, k.person_key
        FROM ids JOIN complaints e USING (complaint_id)
        JOIN complaint_clusters k USING (complaint_id)""").df()
    ident = new[["person_id_hash", "phone_hash"]].notna().any(axis=1) | (
        new["first_name"].notna() & new["last_name"].notna())
    both = pd.concat([cand.assign(is_new=False), new.loc[ident].assign(is_new=True)],
                     ignore_index=True)
    both["rid"] = np.arange(len(both), dtype=np.int64)
    mem = duckdb.connect()
    if p.threads:
        mem.execute(f"SET threads = {p.threads}")
    cols = list(PERSON_COLUMNS)
    mem.register("b", both[cols + ["is_new"]])
    mem.execute(f"CREATE TABLE person_new AS SELECT {', '.join(cols)} FROM b WHERE is_new")
    mem.execute(f"CREATE TABLE person_old AS SELECT {', '.join(cols)} FROM b WHERE NOT is_new")
    mem.unregister("b")
    e = _splink_edges(mem, p, "person_old", "person_new")
    mem.close()
    ids = both["complaint_id"].to_numpy()
    edges = (ids[e[:, 0]], ids[e[:, 1]]) if len(e) else (np.array([], dtype=object),) * 2
    t_person = time.perf_counter() - t0
    linked_ids = set(edges[0]) | set(edges[1])
    persons = cand.loc[cand["complaint_id"].isin(linked_ids), "person_key"].dropna().unique()
    con.register("touched_persons", pd.DataFrame({"person_key": pd.Series(persons, dtype=str)}))
    wa = int(p.anonymous_window_days)
    cols_sql = ", ".join(f"e.{c}" for c in LINK_COLUMNS)
    existing = con.execute(f"""
        WITH l0 AS (
            SELECT complaint_id FROM complaint_clusters
            WHERE person_key IN (SELECT person_key FROM touched_persons)
            UNION
            SELECT e.complaint_id FROM complaints e JOIN newrecs n
              ON e.subdistrict_code = n.subdistrict_code AND e.category = n.category
             AND abs(date_diff('day', e.received_on::DATE, n.received_on::DATE)) <= {wa}
        ), cl AS (
            SELECT DISTINCT k.cluster_id FROM l0 JOIN complaint_clusters k USING (complaint_id)
        ), members AS (
            SELECT k.complaint_id, k.person_key, k.cluster_id
            FROM complaint_clusters k JOIN cl USING (cluster_id)
        )
        SELECT {cols_sql}, m.person_key, m.cluster_id
        FROM members m JOIN complaints e USING (complaint_id)""").df()
    con.unregister("newrecs")
    con.unregister("touched_persons")
    return existing, edges, t_person


# --- accuracy against a known truth ---------------------------------------------------

def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the truth.

    Args:
        predicted, truth: cluster labels of the same records (aligned by position).

    Returns:
        ``{"precision", "recall", "f1", "predicted_pairs", "true_pairs", "tp_pairs"}``.
    """
    df = pd.DataFrame({"p": pd.factorize(predicted.to_numpy())[0],
                       "t": pd.factorize(truth.to_numpy())[0]})

    def pairs(counts: pd.Series) -> int:
        c = counts.to_numpy(dtype=np.int64)
        return int((c * (c - 1) // 2).sum())

    pp = pairs(df.groupby("p").size())
    tt = pairs(df.groupby("t").size())
    tp = pairs(df.groupby(["p", "t"]).size())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted_pairs": pp,
            "true_pairs": tt, "tp_pairs": tp}


def exact_id_baseline(records: pd.DataFrame) -> pd.Series:
    """The baseline: one cluster per exact hashed national ID; records without an ID are
    alone."""
    key = records["person_id_hash"].astype("string")
    return key.fillna("__alone__" + records["complaint_id"].astype(str))
