"""Cross-agency linkage of complaints, at two levels kept apart ("a person is not
a complaint", ``docs/complaints.md``).

1. **Who filed it** — Splink (DuckDB backend) scores pairs of records on identity only
   (:func:`oneplan.complaints.linkage_model.person_settings`): hashed national ID, hashed
   phone, names, and the place, where a different house number or หมู่ in the same
   sub-district counts against a match. Parameters are fixed (``params: complaints.person``),
   so an incremental batch is scored exactly like a full run. Candidate pairs come from
   blocking rules whose blocks are capped (:mod:`oneplan.complaints.blocking`), so the cost
   stays bounded when names concentrate.
2. **Which matter** — records of one person within ``matter_window_days``, and a record with
   no identity against the records of its sub-district within ``anonymous_window_days``
   (at most ``matter_candidates_per_record`` each, nearest in date), are scored on text,
   numbers, category (evidence, never a gate: อื่น ๆ and another agency's label still meet),
   days apart and หมู่ (:func:`oneplan.complaints.linkage_model.matter_probability`).
   A pair scored below ``matter_apart_below`` is a cannot-link: two clearly different
   matters of one person are not chained into one through a third record.

Links are clustered strongest first under constraints (:mod:`oneplan.complaints.clustering`):
two different national IDs never end in one person, a matter never holds two people, and
the officer's decisions (``complaint_link_decisions``: 'same' = must-link, 'different' =
cannot-link) hold in every full and incremental run. Pairs whose probability falls in the
uncertain band go to ``complaint_review_pairs`` with their evidence (level labels only);
each run leaves a row in ``complaint_link_runs`` (with the blocks that hit the cap).

A cluster is one matter: one parent (its earliest record) and its linked children. Every
source record stays as it was; clustering only adds rows to ``complaint_clusters``.

Incremental linkage (:func:`link`, ``incremental=True``) scores only pairs that involve a
new record (Splink's ``predict_between`` new × existing and ``predict_within`` new),
re-examines matters only inside the people a new record touched (and the clusters a
decision contradicts), and keeps every earlier person and matter; outside capped blocks and
constraint conflicts the clusters equal those of a full run over the same records (tested).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd

from oneplan.complaints import blocking, clustering, linkage_tables, privacy
from oneplan.complaints.feeds import registry
from oneplan.complaints.linkage_model import (
    MATTER_LEVELS,
    PERSON_COLUMNS,
    PERSON_LEVELS,
    category_level,
    matter_labels,
    matter_levels,
    matter_probability,
    person_level_label,
    person_settings,
)
from oneplan.complaints.linkage_text import (  # noqa: F401  (re-exported)
    TEXT_BITS,
    TEXT_WORDS,
    containment_bits,
    hash_number,
    jaccard_bits,
    number_bits,
    number_overlap,
    phrase_bits,
    text_bits,
)
from oneplan.data import audit
from oneplan.data.params import ComplaintsParams

log = logging.getLogger(__name__)

LINK_COLUMNS = ("complaint_id", "received_on", "category", "subdistrict_code", "district_code",
                "moo", "text", "first_name", "last_name", "person_id_hash", "phone_hash",
                "address_hash", "house_no_hash")
"""Columns the linkage reads from ``complaints``."""

OPTIONAL_COLUMNS = ("house_no_hash",)
"""Columns of :data:`LINK_COLUMNS` a database made before them may lack (read as NULL)."""

__all__ = ["LINK_COLUMNS", "PERSON_COLUMNS", "PERSON_LEVELS", "MATTER_LEVELS", "LinkStats",
           "link", "link_frames", "memory_connection", "pairwise_scores", "exact_id_baseline",
           "person_settings", "text_bits", "jaccard_bits", "number_bits", "number_overlap"]


def memory_connection(p: ComplaintsParams) -> duckdb.DuckDBPyConnection:
    """The linkage's in-memory DuckDB, with the project's memory limit and temporary
    folder (:func:`oneplan.data.db.duckdb_config`) and ``p.threads``."""
    from oneplan.data import db

    mem = duckdb.connect(config=db.duckdb_config(None, p.memory_limit))
    if p.threads:
        mem.execute(f"SET threads = {int(p.threads)}")
    return mem


def with_optional(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the :data:`OPTIONAL_COLUMNS` it lacks added as NULL."""
    missing = [c for c in OPTIONAL_COLUMNS if c not in df.columns]
    return df.assign(**{c: pd.Series(pd.NA, index=df.index, dtype="string")
                        for c in missing}) if missing else df


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
    reexamined: int = 0
    refused_person_links: int = 0
    refused_matter_links: int = 0
    review_pairs: int = 0
    blocks: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    review: pd.DataFrame | None = field(default=None, repr=False)


def score_persons(mem: duckdb.DuckDBPyConnection, p: ComplaintsParams, records: pd.DataFrame,
                  full: bool) -> tuple[pd.DataFrame, blocking.BlockReport]:
    """Person-level pairs of ``records`` (with ``rid`` and ``is_new``) at or above the
    review band: ``rid_l, rid_r, probability`` and a ``gamma_<comparison>`` per
    comparison. A full run scores every blocked pair; otherwise only pairs with a new
    record (``predict_within`` new, ``predict_between`` old × new)."""
    from splink import DuckDBAPI, Linker

    cols = list(PERSON_COLUMNS)
    mem.register("person_in", records[cols + ["is_new"]])
    mem.execute("CREATE OR REPLACE TABLE person_all AS SELECT * FROM person_in")
    mem.unregister("person_in")
    report = blocking.add_capped_keys(mem, "person_all", p.block_cap,
                                     neighbours=p.block_neighbours)
    mem.execute("CREATE OR REPLACE TABLE person_new AS SELECT * EXCLUDE (is_new) "
                "FROM person_all WHERE is_new")
    if not full:
        mem.execute("CREATE OR REPLACE TABLE person_old AS SELECT * EXCLUDE (is_new) "
                    "FROM person_all WHERE NOT is_new")
    mem.execute("DROP TABLE person_all")
    db_api = DuckDBAPI(mem)
    new_df = db_api.register("person_new")
    linker = Linker(new_df, person_settings(p, capped=True), log_level=None)
    thr = min(p.review_min_probability, p.person.threshold)
    if full:
        # the candidate pairs computed here (one join per rule, repeats dropped) rather
        # than by Splink's blocking (same pairs, far slower at 1M records)
        mem.execute("CREATE OR REPLACE TABLE person_pairs AS " + blocking.candidate_pairs_sql(
            "person_new", p.block_cap, p.block_neighbours))
        linker.table_management.register_blocked_pairs_for_predict(
            db_api.register("person_pairs"))
        preds = [linker.inference.predict(threshold_match_probability=thr,
                                          warning_mode="never")]
    else:
        old_df = db_api.register("person_old")
        preds = [linker.inference.predict_within(new_df, threshold_match_probability=thr,
                                                 warning_mode="never"),
                 linker.inference.predict_between(old_df, new_df,
                                                  threshold_match_probability=thr,
                                                  warning_mode="never")]
    gammas = ", ".join(f"gamma_{c}" for c in PERSON_LEVELS)
    out = [mem.execute(f"SELECT rid_l, rid_r, match_probability AS probability, {gammas} "
                       f"FROM {sdf.physical_name}").df() for sdf in preds]
    for sdf in preds:
        sdf.drop_table_from_database_and_remove_from_cache()
    mem.execute("DROP TABLE IF EXISTS person_pairs")
    pairs = pd.concat(out, ignore_index=True)
    swap = pairs["rid_l"] > pairs["rid_r"]
    pairs.loc[swap, ["rid_l", "rid_r"]] = pairs.loc[swap, ["rid_r", "rid_l"]].to_numpy()
    return pairs, report


def _evidence_person(pairs: pd.DataFrame) -> list[dict[str, str]]:
    names = list(PERSON_LEVELS)
    g = pairs[[f"gamma_{c}" for c in names]].to_numpy()
    return [{c: person_level_label(c, int(v)) for c, v in zip(names, row)} for row in g]


def _evidence_matter(levels: dict[str, np.ndarray], idx: np.ndarray,
                     labels: dict[str, list[str]]) -> list[dict[str, str]]:
    names = list(MATTER_LEVELS)
    cols = [levels[c][idx] for c in names]
    return [{c: labels[c][int(v)] for c, v in zip(names, row)} for row in zip(*cols)]


def _rid_pairs(ids: pd.Series, rid_of: pd.Series) -> np.ndarray:
    return rid_of.reindex(ids.to_numpy()).to_numpy()


def _decision_pairs(decisions: pd.DataFrame | None, rid_of: pd.Series
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(must, cannot)`` rid pairs of the decisions whose two records are in the run."""
    empty = np.empty((0, 2), dtype=np.int64)
    if decisions is None or not len(decisions):
        return empty, empty
    lr = np.column_stack([_rid_pairs(decisions["left_id"], rid_of),
                          _rid_pairs(decisions["right_id"], rid_of)])
    ok = ~np.isnan(lr.astype(float)).any(axis=1)
    lr = lr[ok].astype(np.int64)
    same = decisions["decision"].to_numpy()[ok] == "same"
    return lr[same], lr[~same]


def link_frames(existing: pd.DataFrame | None, new: pd.DataFrame, p: ComplaintsParams,
                person_edges: pd.DataFrame | None = None,
                decisions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, LinkStats]:
    """Link ``new`` records against ``existing`` linked ones (None or empty: full run).

    Args:
        existing: records already linked, with the complaint columns used for linkage
            plus ``person_key`` and ``cluster_id``.
        new: records to link (complaint columns; :data:`OPTIONAL_COLUMNS` may be missing).
        person_edges: person pairs already scored (see :func:`link`, which scores them on
            the records that can block with the new ones and passes only the affected
            part of ``existing``): ``left_id, right_id, probability, gamma_*``; None:
            score them here.
        decisions: the officer's decisions (``left_id, right_id, decision``).

    Returns:
        ``(assignments, stats)``: one row per record whose ``person_key``, ``cluster_id``
        or ``is_parent`` is new or changed (for a full run: every record) with columns
        ``complaint_id, person_key, cluster_id, is_parent``; ``stats.review`` holds the
        pairs of the uncertain band.
    """
    t0 = time.perf_counter()
    stats = LinkStats()
    full = existing is None or len(existing) == 0
    cols = list(LINK_COLUMNS)
    new = with_optional(new)
    old = (pd.DataFrame(columns=cols + ["person_key", "cluster_id"]) if full
           else with_optional(existing)[cols + ["person_key", "cluster_id"]])
    frame = pd.concat([old, new[cols].assign(person_key=None, cluster_id=None)],
                      ignore_index=True)
    n_old, n = len(old), len(frame)
    frame["rid"] = np.arange(n, dtype=np.int64)
    frame["is_new"] = frame["rid"] >= n_old
    stats.records, stats.new_records, stats.reexamined = n, n - n_old, n
    groups = {k: v[2] for k, v in registry().categories.items()}
    groups.setdefault("other", "other")
    frame["cat_group"] = frame["category"].map(groups).fillna(frame["category"])
    ident = frame[["person_id_hash", "phone_hash", "first_name", "last_name"]].notna()
    frame["has_identity"] = ident[["person_id_hash", "phone_hash"]].any(axis=1) | (
        ident["first_name"] & ident["last_name"])
    rid_of = pd.Series(frame["rid"].to_numpy(), index=frame["complaint_id"].to_numpy())
    must_d, cannot_d = _decision_pairs(decisions, rid_of)

    mem = memory_connection(p)
    t1 = time.perf_counter()
    if person_edges is None:
        pairs, report = score_persons(mem, p, frame.loc[frame["has_identity"]], full)
        stats.blocks = report.as_dict()
    else:
        pairs = person_edges.assign(rid_l=_rid_pairs(person_edges["left_id"], rid_of),
                                    rid_r=_rid_pairs(person_edges["right_id"], rid_of))
        if pairs[["rid_l", "rid_r"]].isna().any().any():
            raise ValueError("person_edges name records that are not in existing or new")
        pairs = pairs.astype({"rid_l": np.int64, "rid_r": np.int64})
    # one order whatever order the query engine returned the pairs in: the clustering
    # takes equal weights in input order, and cannot-links make that order matter
    pairs = pairs.sort_values(["rid_l", "rid_r"], kind="stable").reset_index(drop=True)
    strong = pairs["probability"].to_numpy() >= p.person.threshold
    pedges = pairs.loc[strong, ["rid_l", "rid_r"]].to_numpy(dtype=np.int64)
    stats.person_links = len(pedges)
    stats.seconds["person_splink"] = time.perf_counter() - t1

    # people: strongest links first; never two national IDs in one person; earlier people
    # stay whole (must-links); records with no identity stay alone
    id_label = pd.factorize(frame["person_id_hash"])[0]
    person_label, stats.refused_person_links = clustering.constrained_clusters(
        n, pedges, pairs.loc[strong, "probability"].to_numpy(), labels=id_label,
        must=_membership_edges(frame["person_key"]))
    person_label[~frame["has_identity"].to_numpy()] = -1
    frame["plabel"] = person_label
    # clusters a 'different' decision contradicts are rebuilt, not kept whole
    reopen = np.zeros(n, dtype=bool)
    if len(cannot_d):
        cl_old = frame["cluster_id"].to_numpy(dtype=object)
        bad = cannot_d[(cl_old[cannot_d[:, 0]] == cl_old[cannot_d[:, 1]])
                       & pd.notna(cl_old[cannot_d[:, 0]])]
        reopen = np.isin(cl_old, cl_old[bad[:, 0]]) & pd.notna(cl_old)
    frame["reopen"] = reopen
    seeds = (frame["is_new"].to_numpy() | reopen) & (person_label >= 0)
    touched = np.unique(person_label[seeds])
    frame["touched"] = np.isin(person_label, touched) & (person_label >= 0)
    stats.people = int(len(np.unique(person_label[person_label >= 0])))

    t3 = time.perf_counter()
    cand = _matter_candidates(mem, frame, p)
    mem.close()
    order = np.lexsort((cand["r"], cand["l"]))  # one order, as for the people above
    cand = {k: np.asarray(v)[order] for k, v in cand.items()}
    cl_, cr_ = cand["l"].astype(np.int64), cand["r"].astype(np.int64)
    need = np.unique(np.concatenate([cl_, cr_]))
    bits = np.zeros((n, TEXT_WORDS), dtype=np.uint64)
    pbits = np.zeros((n, TEXT_WORDS), dtype=np.uint64)
    nums = np.zeros(n, dtype=np.uint64)
    if len(need):
        texts = frame["text"].to_numpy()[need]
        bits[need] = text_bits(texts)
        pbits[need] = phrase_bits(texts)
        nums[need] = number_bits(texts)
    none = (nums[cl_] == 0) | (nums[cr_] == 0)
    moo = frame["moo"].astype("Int64").to_numpy(dtype=np.float64, na_value=np.nan)
    feat = {"sim": jaccard_bits(bits, cl_, cr_), "contain": containment_bits(pbits, cl_, cr_),
            "overlap": np.where(none, np.nan, number_overlap(nums, cl_, cr_)),
            "cat": category_level(frame["category"].iloc[cl_], frame["category"].iloc[cr_],
                                  groups),
            "days": np.abs(cand["dd"].astype(np.int64)),
            "moo": np.where(np.isnan(moo[cl_]) | np.isnan(moo[cr_]), 1,
                            np.where(moo[cl_] == moo[cr_], 0, 2))}
    q = p.matter
    levels = matter_levels(feat, q)
    prob = matter_probability(levels, cand["anon"].astype(bool), q)
    keep = prob >= p.matter_threshold
    medges = np.column_stack([cl_[keep], cr_[keep]]).astype(np.int64)
    stats.matter_links = len(medges)
    stats.seconds["matter"] = time.perf_counter() - t3

    # matters: strongest first; a matter holds one person at most; decisions hold
    keep_cluster = frame["cluster_id"].where(~frame["reopen"])
    # a pair scored clearly apart never ends in one matter through third records
    apart = prob < p.matter_apart_below
    cannot_m = np.column_stack([cl_[apart], cr_[apart]]).astype(np.int64)
    label, stats.refused_matter_links = clustering.constrained_clusters(
        n, medges, prob[keep], labels=person_label,
        must=np.vstack([_membership_edges(keep_cluster), must_d]),
        cannot=np.vstack([cannot_d, cannot_m]))
    stats.review = _review_pairs(frame, pairs, strong, p, cl_, cr_, prob, levels, q)
    stats.review_pairs = len(stats.review)
    out = _assign(frame, label, person_label, full, stats)
    stats.seconds["total"] = time.perf_counter() - t0
    return out, stats


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


def _matter_candidates(mem: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
                       p: ComplaintsParams) -> dict[str, np.ndarray]:
    """Matter-level candidate pairs ``l, r, dd, anon``: (a) two records of one person a
    new record (or a reopened cluster) touched, within ``matter_window_days``; (b) a
    record with no identity against any record of its sub-district within
    ``anonymous_window_days``, one side new or reopened. Category is no condition. Each
    record keeps at most ``matter_candidates_per_record``, nearest in date (same category
    group first for (b))."""
    mcols = ["rid", "plabel", "touched", "is_new", "reopen", "has_identity", "received_on",
             "cat_group", "subdistrict_code"]
    mem.register("mf", frame[mcols])
    mem.execute("CREATE OR REPLACE TABLE m AS SELECT rid, plabel, touched, is_new OR reopen "
                "AS fresh, has_identity, received_on::DATE AS d, cat_group, "
                "subdistrict_code AS sub FROM mf")
    mem.unregister("mf")
    w, wa = int(p.matter_window_days), int(p.anonymous_window_days)
    k = int(p.matter_candidates_per_record)
    return mem.execute(f"""
        SELECT l, r, dd, anon FROM (
            SELECT l.rid AS l, r.rid AS r, date_diff('day', l.d, r.d) AS dd, false AS anon,
                   row_number() OVER (PARTITION BY l.rid
                                      ORDER BY abs(date_diff('day', l.d, r.d)), r.rid) AS k
            FROM m l JOIN m r ON l.plabel = r.plabel AND l.rid < r.rid
             AND r.d BETWEEN l.d - INTERVAL {w} DAY AND l.d + INTERVAL {w} DAY
            WHERE l.touched AND l.plabel >= 0)
        WHERE k <= {k}
        UNION ALL
        SELECT l, r, dd, anon FROM (
            SELECT l.rid AS l, r.rid AS r, date_diff('day', l.d, r.d) AS dd, true AS anon,
                   row_number() OVER (PARTITION BY l.rid ORDER BY l.cat_group <> r.cat_group,
                                      abs(date_diff('day', l.d, r.d)), r.rid) AS k
            FROM m l JOIN m r ON l.sub = r.sub AND l.rid <> r.rid
             AND r.d BETWEEN l.d - INTERVAL {wa} DAY AND l.d + INTERVAL {wa} DAY
            WHERE (NOT l.has_identity) AND (r.has_identity OR l.rid < r.rid)
              AND (l.fresh OR r.fresh))
        WHERE k <= {k}
    """).fetchnumpy()


def _review_pairs(frame: pd.DataFrame, pairs: pd.DataFrame, strong: np.ndarray,
                  p: ComplaintsParams, cl_: np.ndarray, cr_: np.ndarray, prob: np.ndarray,
                  levels: dict[str, np.ndarray], q) -> pd.DataFrame:
    """Pairs of the uncertain band at both levels, ``left_id < right_id``, with evidence."""
    ids = frame["complaint_id"].to_numpy(dtype=object)
    lo = p.review_min_probability
    band_p = pairs.loc[~strong & (pairs["probability"] >= lo)]
    band_m = np.flatnonzero((prob >= lo) & (prob < p.matter_threshold))
    parts = []
    for level, l_, r_, pr, ev in (
            ("person", band_p["rid_l"].to_numpy(dtype=np.int64),
             band_p["rid_r"].to_numpy(dtype=np.int64), band_p["probability"].to_numpy(),
             _evidence_person(band_p)),
            ("matter", cl_[band_m], cr_[band_m], prob[band_m],
             _evidence_matter(levels, band_m, matter_labels(q)))):
        a, b = ids[l_], ids[r_]
        parts.append(pd.DataFrame({"left_id": np.where(a < b, a, b),
                                   "right_id": np.where(a < b, b, a), "level": level,
                                   "probability": pr, "evidence": ev}))
    return pd.concat(parts, ignore_index=True)


def _assign(frame: pd.DataFrame, label: np.ndarray, person_label: np.ndarray, full: bool,
            stats: LinkStats) -> pd.DataFrame:
    """Person keys, cluster ids and parents from the cluster labels; only changed rows."""
    n = len(frame)
    frame["clabel"] = label
    # person key: smallest complaint id of the person (stable, equal in full/incremental);
    # parent: the cluster's earliest record (ties: smallest complaint id)
    cid_rank, cid_sorted = pd.factorize(frame["complaint_id"], sort=True)
    ident_rows = person_label >= 0
    pmin = pd.Series(cid_rank[ident_rows]).groupby(person_label[ident_rows]).transform("min")
    pkey = np.full(n, None, dtype=object)
    pkey[ident_rows] = "P:" + cid_sorted.to_numpy()[pmin.to_numpy()].astype(object)
    frame["new_person_key"] = pd.Series(pkey, dtype="string")
    if not full:  # people no new record reached keep their key (they may be partly loaded)
        keep_old = ~frame["touched"].to_numpy() & ~frame["is_new"].to_numpy()
        frame.loc[keep_old, "new_person_key"] = frame.loc[keep_old, "person_key"]
    day = pd.to_datetime(frame["received_on"]).to_numpy().astype("datetime64[D]").astype(
        np.int64)
    order = np.lexsort((cid_rank, day, label))
    first_of = np.r_[True, label[order][1:] != label[order][:-1]] if n else np.empty(0, bool)
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
    return out.reset_index(drop=True)


def link(con: duckdb.DuckDBPyConnection, p: ComplaintsParams | None = None, *,
         incremental: bool = True) -> LinkStats:
    """Link the ``complaints`` table of ``con`` into ``complaint_clusters``, write the
    review pairs and one ``complaint_link_runs`` row.

    Args:
        incremental: link only records not yet in ``complaint_clusters`` against the
            clusters already there; False relinks everything from scratch.

    Returns:
        The run's :class:`LinkStats`; ``records``, ``clusters`` and ``people`` are the
        totals in the database after the run, ``reexamined`` the records loaded.

    Raises:
        oneplan.complaints.privacy.SaltError: the salt in use is missing or is not the
            one the database's hashes were made with (linking would go on, but the next
            import would hash with another salt: found here first).
    """
    t0 = time.perf_counter()
    privacy.verify_salt(con)
    if p is None:
        from oneplan.data.params import load_params

        p = load_params().complaints
    linkage_tables.ensure_tables(con)
    have = set(con.execute("SELECT column_name FROM information_schema.columns "
                           "WHERE table_name = 'complaints'").df()["column_name"])
    cols = ", ".join(f"c.{c}" if c in have else f"NULL::VARCHAR AS {c}" for c in LINK_COLUMNS)
    if not incremental:
        con.execute("DELETE FROM complaint_clusters")
    new = con.execute(f"SELECT {cols} FROM complaints c WHERE complaint_id NOT IN "
                      "(SELECT complaint_id FROM complaint_clusters)").df()
    n_linked = con.execute("SELECT count(*) FROM complaint_clusters").fetchall()[0][0]
    dec = linkage_tables.decisions(con)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if len(new) or _violated(con).shape[0]:
        if n_linked == 0:
            out, stats = link_frames(None, new, p, decisions=dec)
        else:
            existing, edges, t_person, report = _affected(con, new, p, cols, dec)
            out, stats = link_frames(existing, new, p, person_edges=edges, decisions=dec)
            stats.seconds["person_splink"] = t_person
            stats.blocks = report.as_dict()
        out["linked_at"] = now
        con.register("link_out", out)
        con.execute("DELETE FROM complaint_clusters WHERE complaint_id IN "
                    "(SELECT complaint_id FROM link_out)")
        con.execute("INSERT INTO complaint_clusters (cluster_id, complaint_id, is_parent, "
                    "person_key, linked_at) SELECT cluster_id, complaint_id, is_parent, "
                    "person_key, linked_at FROM link_out")
        con.unregister("link_out")
        reexamined = pd.concat([new["complaint_id"], existing["complaint_id"]]) if (
            n_linked and len(existing)) else new["complaint_id"]
        stats.review_pairs = linkage_tables.write_review_pairs(
            con, stats.review, full=n_linked == 0, reexamined=reexamined, now=now)
    else:
        stats = LinkStats()
        stats.review_pairs = con.execute(
            "SELECT count(*) FROM complaint_review_pairs").fetchone()[0]
    stats.records, stats.clusters, stats.people = con.execute(
        "SELECT count(*), count(DISTINCT cluster_id), count(DISTINCT person_key) "
        "FROM complaint_clusters").fetchone()
    stats.seconds["total"] = time.perf_counter() - t0
    blocks = stats.blocks or {}
    linkage_tables.write_run(con, {
        "run_at": now, "mode": "incremental" if incremental and n_linked else "full",
        "records": stats.records, "new_records": stats.new_records,
        "matters": stats.clusters, "persons": stats.people,
        "review_pairs": stats.review_pairs,
        "capped_blocks": blocks.get("capped_blocks", 0),
        "capped_records": blocks.get("capped_records", 0),
        "seconds": stats.seconds["total"],
        "summary": {"reexamined": stats.reexamined, "changed": stats.changed_records,
                    "person_links": stats.person_links, "matter_links": stats.matter_links,
                    "refused_person_links": stats.refused_person_links,
                    "refused_matter_links": stats.refused_matter_links,
                    "decisions": len(dec), "blocks": blocks, "seconds": stats.seconds}})
    log.info("linked %d new of %d records: %d matters, %d persons, %.1f s",
             stats.new_records, stats.records, stats.clusters, stats.people,
             stats.seconds["total"])
    return stats


def _violated(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Decisions the stored clusters contradict: ``complaint_id`` of both ends."""
    return con.execute("""
        SELECT d.left_id, d.right_id FROM complaint_link_decisions d
        JOIN complaint_clusters a ON a.complaint_id = d.left_id
        JOIN complaint_clusters b ON b.complaint_id = d.right_id
        WHERE (d.decision = 'different' AND a.cluster_id = b.cluster_id)
           OR (d.decision = 'same' AND a.cluster_id <> b.cluster_id)""").df()


def _affected(con: duckdb.DuckDBPyConnection, new: pd.DataFrame, p: ComplaintsParams,
              cols_sql: str, dec: pd.DataFrame
              ) -> tuple[pd.DataFrame, pd.DataFrame, float, blocking.BlockReport]:
    """The part of the linked records a new batch (or a new decision) can change, and the
    person pairs.

    1. existing records that share a blocking key with a new record (the only ones
       Splink's blocking can pair with it) are scored against the batch
       (``predict_between``) and the batch against itself (``predict_within``);
    2. loaded for the matter level: every record of a person a new record linked to,
       every record of the same sub-district within the anonymous window, the records of
       decisions that name a new record or that the stored clusters contradict, the
       records of person pairs in the review band, and every
       member of those records' clusters (so parents are recomputed whole).

    Returns:
        ``(existing subset with person_key and cluster_id, person pairs with complaint
        ids, seconds spent on person scoring, the blocking report)``.
    """
    t0 = time.perf_counter()
    new = with_optional(new)
    con.register("newrecs", new)
    # join the small batch to the big tables on one rule at a time (hash joins), never
    # the big tables to each other
    c_expr = cols_sql.replace("c.", "e.")
    union = " UNION ".join(
        "SELECT e.complaint_id FROM complaints e JOIN newrecs n ON " + " AND ".join(
            f"{_qualify(k, 'e')} = {_qualify(k, 'n')}" for k in rule.keys)
        for rule in blocking.RULES if _has_columns(con, rule.keys))
    cand = con.execute(f"""
        WITH ids AS ({union})
        SELECT {c_expr}, k.person_key
        FROM ids JOIN complaints e USING (complaint_id)
        JOIN complaint_clusters k USING (complaint_id)""").df()
    ident = new[["person_id_hash", "phone_hash"]].notna().any(axis=1) | (
        new["first_name"].notna() & new["last_name"].notna())
    cand_i = cand[cand[["person_id_hash", "phone_hash"]].notna().any(axis=1)
                  | (cand["first_name"].notna() & cand["last_name"].notna())]
    both = pd.concat([cand_i.assign(is_new=False), new.loc[ident].assign(is_new=True)],
                     ignore_index=True)
    both["rid"] = np.arange(len(both), dtype=np.int64)
    mem = memory_connection(p)
    pairs, report = score_persons(mem, p, both, full=False)
    mem.close()
    ids = both["complaint_id"].to_numpy(dtype=object)
    pairs = pairs.assign(left_id=ids[pairs["rid_l"].to_numpy(dtype=np.int64)],
                         right_id=ids[pairs["rid_r"].to_numpy(dtype=np.int64)]).drop(
        columns=["rid_l", "rid_r"])
    t_person = time.perf_counter() - t0
    strong = pairs.loc[pairs["probability"] >= p.person.threshold]
    linked_ids = set(strong["left_id"]) | set(strong["right_id"])
    persons = cand.loc[cand["complaint_id"].isin(linked_ids), "person_key"].dropna()
    # decisions naming a new record, or contradicted by the stored clusters; the records
    # of review-band pairs
    new_ids = set(new["complaint_id"])
    d_new = dec[dec["left_id"].isin(new_ids) | dec["right_id"].isin(new_ids)]
    bad = _violated(con)
    band = pairs.loc[pairs["probability"] < p.person.threshold]  # for the review list
    d_ids = pd.Series(pd.concat([d_new["left_id"], d_new["right_id"], bad["left_id"],
                                 bad["right_id"], band["left_id"], band["right_id"]]
                                ).unique(), dtype=str)
    con.register("decided", pd.DataFrame({"complaint_id": d_ids}))
    bad_persons = con.execute("SELECT DISTINCT person_key FROM complaint_clusters WHERE "
                              "person_key IS NOT NULL AND complaint_id IN "
                              "(SELECT complaint_id FROM decided)").df()["person_key"]
    persons = pd.Series(pd.concat([persons, bad_persons]).unique(), dtype=str)
    con.register("touched_persons", pd.DataFrame({"person_key": persons}))
    wa = int(p.anonymous_window_days)
    existing = con.execute(f"""
        WITH l0 AS (
            SELECT complaint_id FROM complaint_clusters
            WHERE person_key IN (SELECT person_key FROM touched_persons)
            UNION
            SELECT e.complaint_id FROM complaints e JOIN newrecs n
              ON e.subdistrict_code = n.subdistrict_code
             AND abs(date_diff('day', e.received_on::DATE, n.received_on::DATE)) <= {wa}
            UNION
            SELECT complaint_id FROM decided
        ), cl AS (
            SELECT DISTINCT k.cluster_id FROM l0 JOIN complaint_clusters k USING (complaint_id)
        ), members AS (
            SELECT k.complaint_id, k.person_key, k.cluster_id
            FROM complaint_clusters k JOIN cl USING (cluster_id)
        )
        SELECT {c_expr}, m.person_key, m.cluster_id
        FROM members m JOIN complaints e USING (complaint_id)""").df()
    for name in ("newrecs", "touched_persons", "decided"):
        con.unregister(name)
    return existing, pairs, t_person, report


_KEY_COLUMNS = r"\b(first_name|last_name|subdistrict_code|person_id_hash|phone_hash|address_hash|house_no_hash)\b"


def _qualify(expr: str, alias: str) -> str:
    """A blocking key expression (``last_name``, ``substr(first_name, 1, 2)``) on ``alias``."""
    import re

    return re.sub(_KEY_COLUMNS, rf"{alias}.\1", expr)


def _has_columns(con: duckdb.DuckDBPyConnection, keys: tuple[str, ...]) -> bool:
    """Whether ``complaints`` has every column a rule's keys name (older databases lack
    ``house_no_hash``)."""
    import re

    have = set(con.execute("SELECT column_name FROM information_schema.columns "
                           "WHERE table_name = 'complaints'").df()["column_name"])
    return all(c in have for k in keys for c in re.findall(_KEY_COLUMNS, k))


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


def record_run(con: duckdb.DuckDBPyConnection, st: LinkStats, *, incremental: bool) -> str:
    """The audit row of a link run (``complaint_link``, the whole country): records in
    all, new records linked, records whose matter or person changed, matters, persons and
    pairs awaiting review (counts only)."""
    return audit.record(
        con, action="complaint_link", rows_read=st.records, rows_changed=st.changed_records,
        detail={"mode": "incremental" if incremental else "full",
                "new_records": st.new_records, "reexamined": st.reexamined,
                "matters": st.clusters, "persons": st.people,
                "review_pairs": st.review_pairs})
