"""Clustering scored pairs under constraints: the links a linkage keeps.

Plain connected components let one weak record chain two people who cannot be one (two
different national IDs joined through records that carry none, ISSUE 14). Here the links
are taken strongest first, and two groups are joined only when that breaks no
constraint:

* **labels** — each record may carry a label (a national-ID hash at the person level, a
  person at the matter level); a group may hold at most one label (records without one
  join freely). Groups forced together by a must-link may hold several; they still never
  take in a label they do not already hold;
* **cannot-link** pairs (an officer's "different" decision) are never in one group;
* **must-link** pairs (an officer's "same" decision, or the groups an incremental run
  keeps) are joined first, whatever the labels say.

Most groups have no conflict at all: they are plain connected components (vectorised,
scipy). Only the components that contain a conflict are rebuilt link by link (union–find
with conflict sets, small into large), so the cost stays that of connected components.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes joined by ``edges`` (``(k, 2)``)."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    g = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                   shape=(n, n))
    return connected_components(g, directed=False)[1].astype(np.int64)


def _pairs(a: np.ndarray | None) -> np.ndarray:
    if a is None:
        return np.empty((0, 2), dtype=np.int64)
    return np.asarray(a, dtype=np.int64).reshape(-1, 2)


def constrained_clusters(n: int, edges: np.ndarray, weights: np.ndarray | None = None, *,
                         labels: np.ndarray | None = None, must: np.ndarray | None = None,
                         cannot: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Group ``n`` records from scored links without breaking a constraint.

    Args:
        edges: ``(k, 2)`` record pairs (0 … n-1) to join.
        weights: each edge's strength (match probability); stronger edges are joined
            first. None: all equal (order of ``edges``).
        labels: ``(n,)`` int label per record, ``-1`` for none; a group holds at most one
            label unless a must-link forced more.
        must: ``(m, 2)`` pairs joined before anything else, unconditionally.
        cannot: ``(c, 2)`` pairs never put in one group.

    Returns:
        ``(group, refused)``: a group number per record (equal numbers = one group), and
        how many edges were refused because they would break a constraint.
    """
    edges, must, cannot = _pairs(edges), _pairs(must), _pairs(cannot)
    if weights is None:
        weights = np.ones(len(edges))
    weights = np.asarray(weights, dtype=np.float64)
    lab = (np.full(n, -1, dtype=np.int64) if labels is None
           else np.asarray(labels, dtype=np.int64))
    comp = components(n, np.vstack([edges, must]))
    if n == 0:
        return comp, 0
    # components with a conflict: two labels, or both ends of a cannot-link pair
    has = lab >= 0
    conflicted = np.zeros(comp.max() + 1, dtype=bool)
    if has.any():
        pair = np.unique(np.column_stack([comp[has], lab[has]]), axis=0)
        many = np.bincount(pair[:, 0], minlength=len(conflicted)) > 1
        conflicted |= many
    if len(cannot):
        same = comp[cannot[:, 0]] == comp[cannot[:, 1]]
        conflicted[comp[cannot[same, 0]]] = True
    if not conflicted.any():
        return comp, 0
    nodes = np.flatnonzero(conflicted[comp])
    out = comp.copy()
    in_c = np.zeros(n, dtype=bool)
    in_c[nodes] = True

    def inside(pairs: np.ndarray) -> np.ndarray:
        return pairs[in_c[pairs[:, 0]] & in_c[pairs[:, 1]]] if len(pairs) else pairs

    e_in = inside(edges)
    w_in = weights[in_c[edges[:, 0]] & in_c[edges[:, 1]]] if len(edges) else weights
    order = np.argsort(-w_in, kind="stable")
    groups, refused = _union_find(nodes, e_in[order], lab, inside(must), inside(cannot))
    # fresh group numbers after the unconflicted ones
    base = int(comp.max()) + 1
    out[nodes] = base + groups
    return out, refused


def _union_find(nodes: np.ndarray, edges: np.ndarray, lab: np.ndarray, must: np.ndarray,
                cannot: np.ndarray) -> tuple[np.ndarray, int]:
    """Union–find over ``nodes`` with label sets and cannot-link sets per root."""
    parent = {int(v): int(v) for v in nodes}
    labels = {int(v): ({int(lab[v])} if lab[v] >= 0 else set()) for v in nodes}
    apart: dict[int, set[int]] = {int(v): set() for v in nodes}
    for a, b in cannot.tolist():
        apart[a].add(b)
        apart[b].add(a)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def join(ra: int, rb: int) -> None:
        if len(labels[ra]) + len(apart[ra]) < len(labels[rb]) + len(apart[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        labels[ra] |= labels.pop(rb)
        apart[ra] |= apart.pop(rb)

    for a, b in must.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            join(ra, rb)
    refused = 0
    for a, b in edges.tolist():
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        la, lb = labels[ra], labels[rb]
        if la and lb and not (la <= lb or lb <= la):
            refused += 1
            continue
        small, other = (ra, rb) if len(apart[ra]) <= len(apart[rb]) else (rb, ra)
        if any(find(x) == other for x in apart[small]):
            refused += 1
            continue
        join(ra, rb)
    roots = np.array([find(int(v)) for v in nodes], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].astype(np.int64), refused
