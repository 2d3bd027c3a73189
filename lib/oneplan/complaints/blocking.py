"""Blocking with a size cap: which record pairs the person level scores, at a bounded cost.

A blocking rule (records with the same surname in the same sub-district, …) compares every
pair inside a block, so a block of ``n`` records costs ``n²/2`` pairs: when names
concentrate (a few surnames cover a district) one block holds tens of thousands of records
and the linkage runs out of memory (ISSUE 14: 1.5 billion pairs at 950,000 records).

Here each rule's key becomes a *capped* key computed in DuckDB before Splink sees the
data. A block of at most ``cap`` records keeps its key. A larger block is sorted on a
second key that matters for that rule (the other name, the house, the phone) and cut into
windows of ``cap`` consecutive records — a sorted neighbourhood — twice, the second cut
shifted by half a window, so two records adjacent in the sort always share a window.
Every record is then in at most two windows per rule, so a rule yields at most
``cap × records`` pairs, whatever the names: the bound is printed by the run summary
(:class:`BlockReport`) together with how many blocks and records were capped.

Splink then blocks on equality of the capped keys (``block_on``); its own blocking
library has no size cap (salting in Splink only spreads work, it does not drop pairs).
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
    the pairs each rule can generate (``sum over blocks of n(n-1)/2`` after capping)."""

    cap: int
    records: int = 0
    capped_blocks: int = 0
    capped_records: int = 0
    pair_bound: int = 0
    per_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Plain values for the run summary JSON."""
        return {"cap": self.cap, "records": self.records, "capped_blocks": self.capped_blocks,
                "capped_records": self.capped_records, "pair_bound": self.pair_bound,
                "per_rule": self.per_rule}


def key_columns(rule_index: int) -> tuple[str, str]:
    """The two capped-key columns of rule ``rule_index`` (the window and the shifted
    window)."""
    return f"bk{rule_index}a", f"bk{rule_index}b"


def add_capped_keys(con: duckdb.DuckDBPyConnection, table: str, cap: int,
                    rules: tuple[Rule, ...] = RULES) -> BlockReport:
    """Add the capped key columns of every rule to ``table`` (replaced in place).

    ``table`` needs ``rid`` and the columns the rules name; a record with a NULL in one of
    a rule's keys gets NULL keys for that rule (it is not blocked by it).

    Returns:
        The :class:`BlockReport` of the capping.
    """
    cap = max(2, int(cap))
    half = cap // 2
    report = BlockReport(cap=cap)
    report.records = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    cur = table
    for i, rule in enumerate(rules):
        a, b = key_columns(i)
        key = "concat_ws('|', " + ", ".join(f"CAST({k} AS VARCHAR)" for k in rule.keys) + ")"
        notnull = " AND ".join(f"{k} IS NOT NULL" for k in rule.keys)
        order = ", ".join(f"{o} NULLS LAST" for o in rule.order) + ", rid"
        nxt = f"__blk_{i}"
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {nxt} AS
            WITH k AS (SELECT *, CASE WHEN {notnull} THEN {key} END AS __k FROM {cur}),
            s AS (SELECT *, count(*) OVER (PARTITION BY __k) AS __n,
                         row_number() OVER (PARTITION BY __k ORDER BY {order}) - 1 AS __pos
                  FROM k)
            SELECT * EXCLUDE (__k, __n, __pos),
                   CASE WHEN __k IS NULL THEN NULL WHEN __n <= {cap} THEN __k
                        ELSE __k || '#' || (__pos // {cap}) END AS {a},
                   CASE WHEN __k IS NOT NULL AND __n > {cap}
                        THEN __k || '~' || ((__pos + {half}) // {cap}) END AS {b},
                   CASE WHEN __k IS NULL OR __n <= {cap} THEN 0 WHEN __pos = 0 THEN 2
                        ELSE 1 END AS __capped_{i}
            FROM s""")
        if cur != table:
            con.execute(f"DROP TABLE {cur}")
        cur = nxt
        blocks, recs = con.execute(
            f"SELECT count(*) FILTER (WHERE __capped_{i} = 2), "
            f"count(*) FILTER (WHERE __capped_{i} > 0) FROM {cur}").fetchone()
        bound = con.execute(
            f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM ("
            f"SELECT count(*) AS n FROM {cur} WHERE {a} IS NOT NULL GROUP BY {a} "
            f"UNION ALL SELECT count(*) FROM {cur} WHERE {b} IS NOT NULL GROUP BY {b})"
        ).fetchone()[0]
        report.per_rule[rule.name] = {"capped_blocks": int(blocks), "capped_records": int(recs),
                                      "pair_bound": int(bound)}
        report.capped_blocks += int(blocks)
        report.pair_bound += int(bound)
    flags = " OR ".join(f"__capped_{i} > 0" for i in range(len(rules)))
    report.capped_records = con.execute(
        f"SELECT count(*) FILTER (WHERE {flags}) FROM {cur}").fetchone()[0]
    drop = ", ".join(f"__capped_{i}" for i in range(len(rules)))
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * EXCLUDE ({drop}) FROM {cur}")
    con.execute(f"DROP TABLE {cur}")
    return report


def splink_rules(rules: tuple[Rule, ...] = RULES) -> list:
    """Splink blocking rules on the capped keys of :func:`add_capped_keys`."""
    from splink import block_on

    out = []
    for i in range(len(rules)):
        a, b = key_columns(i)
        out += [block_on(a), block_on(b)]
    return out
