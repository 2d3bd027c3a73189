"""Text evidence of the matter level, compared pairwise in vectorised numpy:

* each complaint text as a set of character trigrams (a Bloom-filter bit set whose bit
  Jaccard tracks the trigram Jaccard): how alike two wordings are overall;
* each text as a set of character 5-grams, compared by *containment* (the share of the
  smaller set found in the other): a paraphrase of one matter by another agency's officer
  (clauses reordered, courtesy phrases added, a facet left out) keeps the place and the
  details, i.e. long runs of characters, while its added words only grow the union that
  Jaccard divides by;
* the set of the numbers a text mentions (หมู่ 4, ซอย 12, กม. 35 …), leaving out how long
  something has lasted (``มา 5 วันแล้ว``, ``3 เดือน``): people remember that differently
  from one agency to the next."""

from __future__ import annotations

import numpy as np

from oneplan.complaints.normalise import text_keys
from oneplan.core import thai

TEXT_BITS = 1024
"""Bits of a text's trigram set (:func:`text_bits`)."""
TEXT_WORDS = TEXT_BITS // 64
"""uint64 words per text in :func:`text_bits`."""
PHRASE_GRAM = 5
"""Characters per gram of :func:`phrase_bits` (about two Thai syllables)."""


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


def phrase_bits(texts, *, n: int = PHRASE_GRAM, chunk: int = 100_000) -> np.ndarray:
    """Each text's set of character ``n``-grams (text key of
    :func:`oneplan.complaints.normalise.text_keys`) hashed into a :data:`TEXT_BITS`-bit set
    (``(len(texts), TEXT_WORDS)`` uint64), compared with :func:`containment_bits`."""
    keys = text_keys(texts)
    out = np.zeros((len(keys), TEXT_WORDS), dtype=np.uint64)
    width = max(n, min(max((len(k) for k in keys), default=n), 400))
    for start in range(0, len(keys), chunk):
        part = np.array([k[:width] for k in keys[start:start + chunk]], dtype=f"<U{width}")
        cp = part.view(np.uint32).reshape(len(part), width)
        code = np.where(cp >= 0x0E00, (cp - 0x0E00 + 128) & 0xFF, cp & 0x7F).astype(np.uint64)
        g = np.zeros((len(part), width - n + 1), dtype=np.uint64)
        for j in range(n):
            g = (g << np.uint64(8)) | code[:, j:width - n + 1 + j]
        valid = cp[:, n - 1:] != 0
        pos = ((g * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) % np.uint64(TEXT_BITS)
        rows = np.broadcast_to(np.arange(len(part))[:, None], pos.shape)
        dense = np.zeros((len(part), TEXT_BITS), dtype=np.uint8)
        dense[rows[valid], pos[valid].astype(np.int64)] = 1
        out[start:start + len(part)] = np.packbits(dense, axis=1).view(">u8").astype(np.uint64)
    return out


def containment_bits(bits: np.ndarray, left: np.ndarray, right: np.ndarray,
                     *, chunk: int = 1_000_000) -> np.ndarray:
    """Share of the smaller bit set of each pair ``(left[i], right[i])`` found in the
    other (0 when a side is empty)."""
    out = np.empty(len(left), dtype=np.float64)
    for s in range(0, len(left), chunk):
        a, b = bits[left[s:s + chunk]], bits[right[s:s + chunk]]
        inter = np.bitwise_count(a & b).sum(axis=1)
        small = np.minimum(np.bitwise_count(a).sum(axis=1), np.bitwise_count(b).sum(axis=1))
        out[s:s + chunk] = inter / np.maximum(small, 1)
    return out


_DURATION = None


def number_bits(texts) -> np.ndarray:
    """The numbers written in each text (หมู่ 4, ซอย 12, กม. 35, 20,000 บาท …) as a 64-bit
    set: two copies of one matter mention the same numbers, two neighbours' look-alike
    reports usually do not. A number followed by a unit of time (``5 วัน``, ``3 เดือน``:
    how long it has lasted, remembered differently by each teller) is left out. Thai
    digits count as digits; 0 = no number."""
    import re

    global _DURATION
    if _DURATION is None:
        _DURATION = re.compile(r"\d+\s*(?:วัน|สัปดาห์|อาทิตย์|เดือน|ปี|ชั่วโมง|ชม\.|คืน|นาที)")
    rx = re.compile(r"\d+(?:,\d{3})*")
    out = np.zeros(len(texts), dtype=np.uint64)
    for i, t in enumerate(texts):
        v = 0
        for num in rx.findall(_DURATION.sub(" ", str(t).translate(thai.TO_ARABIC_DIGITS))):
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
