"""Blocking with a size cap: which record pairs the person level scores, at a bounded cost.

A blocking rule (records with the same surname in the same sub-district, …) compares every
pair inside a block, so a block of ``n`` records costs ``n²/2`` pairs: when names
concentrate (a few surnames cover a district) one block holds tens of thousands of records
and the linkage runs out of memory (ISSUE 14: 1.5 billion pairs at 950,000 records).

Here each rule's key becomes a *capped* key computed in DuckDB before Splink sees the
data. A block of at most ``cap`` records keeps its key and is compared whole. A larger
block is sorted on a second key that matters for that rule (the other name, the house, the
phone) and each record is compared only with its ``neighbours`` nearest records on either
side in that order — a sorted neighbourhood. For the join, the sorted block is cut into
windows of ``max(cap, 2 × neighbours)`` records twice, the second cut shifted by half a
window, so two records at most ``neighbours`` apart in the sort always share a window; the
record's position in the sort (``bp<i>``, 0 in a block compared whole) limits the pairs
inside a window to the neighbours. Every record then meets at most
``max(cap - 1, 2 × neighbours)`` others per rule, whatever the names: the pairs a rule can
make are bounded per *record*, not per block (at 1M records with skewed names a per-block
cap of 100 still allowed ~100 pairs per record and rule). The bound is printed by the run
summary (:class:`BlockReport`) with how many blocks and records were capped.

Splink then blocks on equality of the capped keys plus the position condition
(:func:`splink_rules`); its own blocking library has no size cap (salting in Splink only
spreads work, it does not drop pairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class Rule:
    """One blocking rule: records equal on ``keys`` are compared; an oversized block is
    sorted on ``order`` (SQL expressions) and cut into windows."""

    name: str
    keys: tuple[str, ...]
    order: tuple[str, ...]


RULES = (
    Rule("id", ("person_id_hash",), ("last_name", "first_name", "subdistrict_code")),
    Rule("phone", ("phone_hash",), ("last_name", "first_name", "subdistrict_code")),
    Rule("last_sub", ("last_name", "subdistrict_code"),
         ("first_name", "house_no_hash", "moo", "phone_hash")),
    Rule("first_sub", ("first_name", "subdistrict_code"),
         ("last_name", "house_no_hash", "moo", "phone_hash")),
    Rule("initials_sub", ("substr(first_name, 1, 2)", "substr(last_name, 1, 2)",
                          "subdistrict_code"),
         ("first_name", "last_name", "house_no_hash")),
    Rule("house", ("house_no_hash", "subdistrict_code"), ("last_name", "first_name")),
    Rule("address", ("address_hash",), ("last_name", "first_name")),
)
"""The person level's blocking rules (identity only: IDs, phones, names, the house)."""


@dataclass
class BlockReport:
    """What capping did: per rule the blocks and records over the cap, and the bound on
    the pairs each rule can generate (``n(n-1)/2`` for a block compared whole, ``n ×
    neighbours`` at most for a capped one)."""

    cap: int
    neighbours: int = 0
    records: int = 0
    capped_blocks: int = 0
    capped_records: int = 0
    pair_bound: int = 0
    per_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain values for the run summary JSON."""
        return {"cap": self.cap, "neighbours": self.neighbours, "records": self.records, "capped_blocks": self.capped_blocks,
                "capped_records": self.capped_records, "pair_bound": self.pair_bound,
                "per_rule": self.per_rule}


def key_columns(rule_index: int) -> tuple[str, str]:
    """The two capped-key columns of rule ``rule_index`` (the window and the shifted
    window)."""
    return f"bk{rule_index}a", f"bk{rule_index}b"


def position_column(rule_index: int) -> str:
    """The column with a record's position in its capped block's sort for rule
    ``rule_index`` (0 in a block compared whole)."""
    return f"bp{rule_index}"


def neighbours_for(cap: int, neighbours: int | None) -> int:
    """The neighbours each side a record of a capped block meets (default ``cap // 2``)."""
    cap = max(2, int(cap))
    return max(1, int(neighbours)) if neighbours else max(1, cap // 2)


def add_capped_keys(con: duckdb.DuckDBPyConnection, table: str, cap: int,
                    rules: tuple[Rule, ...] = RULES, neighbours: int | None = None
                    ) -> BlockReport:
    """Add the capped key and position columns of every rule to ``table`` (replaced in
    place).

    ``table`` needs ``rid`` and the columns the rules name; a record with a NULL in one of
    a rule's keys gets NULL keys for that rule (it is not blocked by it).

    Args:
        cap: the largest block compared whole.
        neighbours: in a larger block, each record meets this many on either side in
            the sort (None: ``cap // 2``, which keeps every pair of the former windows of
            ``cap`` records that were at most half a window apart).

    Returns:
        The :class:`BlockReport` of the capping.
    """
    cap = max(2, int(cap))
    w = neighbours_for(cap, neighbours)
    size = max(cap, 2 * w)  # the join's windows: records ≤ w apart share one
    half = size // 2
    report = BlockReport(cap=cap, neighbours=w)
    report.records = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    # one narrow table per rule (rid and its keys), joined back once: rewriting the whole
    # table per rule cost minutes at a million records
    for i, rule in enumerate(rules):
        a, b = key_columns(i)
        pos = position_column(i)
        key = "concat_ws('|', " + ", ".join(f"CAST({k} AS VARCHAR)" for k in rule.keys) + ")"
        notnull = " AND ".join(f"{k} IS NOT NULL" for k in rule.keys)
        order = ", ".join(f"{o} NULLS LAST" for o in rule.order) + ", rid"
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE __blk_{i} AS
            WITH k AS (SELECT rid, {key} AS __k, {", ".join(rule.order)} FROM {table}
                       WHERE {notnull}),
            s AS (SELECT rid, __k, count(*) OVER (PARTITION BY __k) AS __n,
                         row_number() OVER (PARTITION BY __k ORDER BY {order}) - 1 AS __pos
                  FROM k)
            SELECT rid,
                   CASE WHEN __n <= {cap} THEN __k
                        ELSE __k || '#' || (__pos // {size}) END AS {a},
                   CASE WHEN __n > {cap}
                        THEN __k || '~' || ((__pos + {half}) // {size}) END AS {b},
                   CASE WHEN __n > {cap} THEN __pos ELSE 0 END AS {pos},
                   CASE WHEN __n <= {cap} THEN 0 WHEN __pos = 0 THEN 2
                        ELSE 1 END AS __capped_{i},
                   CASE WHEN __n <= {cap} THEN (__n - 1) / 2
                        ELSE least({w}, __n - 1 - __pos) END AS __pairs_{i}
            FROM s""")
        blocks, recs, bound = con.execute(
            f"SELECT count(*) FILTER (WHERE __capped_{i} = 2), "
            f"count(*) FILTER (WHERE __capped_{i} > 0), coalesce(sum(__pairs_{i}), 0) "
            f"FROM __blk_{i}").fetchone()
        # whole blocks: n(n-1)/2; capped ones: each record meets ≤ w later ones
        report.per_rule[rule.name] = {"capped_blocks": int(blocks), "capped_records": int(recs),
                                      "pair_bound": int(round(bound))}
        report.capped_blocks += int(blocks)
        report.pair_bound += int(round(bound))
    # a record with a NULL in a rule's keys has NULL keys for it (never blocked by it)
    cols = ", ".join(f"{c}" for i in range(len(rules))
                     for c in (*key_columns(i), f"coalesce({position_column(i)}, 0) AS "
                               f"{position_column(i)}"))
    joins = " ".join(f"LEFT JOIN __blk_{i} USING (rid)" for i in range(len(rules)))
    flags = " OR ".join(f"coalesce(__capped_{i}, 0) > 0" for i in range(len(rules)))
    report.capped_records = con.execute(
        f"SELECT count(*) FROM {table} {joins} WHERE {flags}").fetchone()[0]
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {table}.*, {cols} "
                f"FROM {table} {joins}")
    for i in range(len(rules)):
        con.execute(f"DROP TABLE __blk_{i}")
    return report


def splink_rules(cap: int, neighbours: int | None = None,
                 rules: tuple[Rule, ...] = RULES) -> list:
    """Splink blocking rules on the capped keys of :func:`add_capped_keys`: equal window
    key, and at most ``neighbours`` apart in the sort (always true in a whole block)."""
    from splink.blocking_rule_library import CustomRule

    w = neighbours_for(cap, neighbours)
    out = []
    for i in range(len(rules)):
        a, b = key_columns(i)
        pos = position_column(i)
        near = f"abs(l.{pos} - r.{pos}) <= {w}"
        out += [CustomRule(f"l.{a} = r.{a} AND {near}", sql_dialect="duckdb"),
                CustomRule(f"l.{b} = r.{b} AND {near}", sql_dialect="duckdb")]
    return out


def candidate_pairs_sql(table: str, cap: int, neighbours: int | None = None,
                        rules: tuple[Rule, ...] = RULES) -> str:
    """SQL of the distinct candidate pairs of :func:`splink_rules` on ``table`` (after
    :func:`add_capped_keys`), in the form Splink scores as registered blocked pairs:
    ``match_key`` (the first rule, as in :func:`splink_rules`' order, that makes the
    pair), ``join_key_l < join_key_r`` (``rid``).

    One hash join per rule and a GROUP BY to drop repeats: Splink's own blocking instead
    excludes, for each rule, every pair an earlier rule made with an ``OR`` of all the
    earlier conditions, which at a million records is most of the person level's time.
    """
    w = neighbours_for(cap, neighbours)
    parts = []
    for i in range(len(rules)):
        pos = position_column(i)
        for j, col in enumerate(key_columns(i)):
            parts.append(f"SELECT {2 * i + j} AS mk, l.rid AS join_key_l, r.rid AS join_key_r "
                         f"FROM {table} l JOIN {table} r ON l.{col} = r.{col} "
                         f"AND l.rid < r.rid AND abs(l.{pos} - r.{pos}) <= {w}")
    return ("SELECT CAST(min(mk) AS VARCHAR) AS match_key, join_key_l, join_key_r FROM ("
            + " UNION ALL ".join(parts) + ") GROUP BY join_key_l, join_key_r")
