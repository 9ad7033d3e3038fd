"""Near-duplicate paragraphs: which paragraphs are copies or light rewordings of one another.

Paragraphs are compared by their sets of content-word bigrams (shingles). Paragraphs with the same set (or, with
no shingle at all, the same normalized words) are exact copies. MinHash signatures with LSH banding find
candidate near-copies among sets of at least `dup_min_shingles`, and the exact sets decide (Jaccard or
containment; `data/rules/stories.yaml`). Every hash is fixed (CRC-32 and constant multipliers) and ties are
broken by id, so the same input gives the same groups in any order, in any process.

`paragraph_dup_groups` computes the groups of a set of paragraphs at once. `dup_groups_update` maintains them
in a persisted index (`DupIndex`: a few flat tables) as paragraphs come and go, reading and writing only what
can change; its groups equal `paragraph_dup_groups` over the current paragraphs by construction.

The node model (what both compute)
    A node is one distinct exact key: a shingle set, or the normalized words when the set is empty. Its id is
    the smallest paragraph_id with that key. Only nodes with at least `dup_min_shingles` shingles take part in
    LSH: such a node is in one bucket per band, keyed by (band number, the band's rows of its signature). A
    bucket's head is its member with the smallest node id. An edge joins a bucket's head to each other member
    of the bucket that is a near-duplicate of it. Groups are the connected components; a group's id is its
    smallest node id, which is the smallest paragraph_id of its paragraphs. (`paragraph_dup_groups` visits
    nodes in id order, so a bucket's first member is its head; it skips the check when both are already
    joined, which changes no component.)

    A node's shingles and buckets are functions of its key, so they never change; an edge depends only on
    which node heads the bucket, whether the other node is in it, and the two shingle sets.

The update, and its invariant
    Removing and adding paragraphs removes nodes, adds nodes and changes node ids (the smallest member left, or
    a smaller paragraph with that key arrived). A bucket is re-headed when its head changes. Therefore an old
    edge (h, x) of bucket B disappears only if h or x is removed or B is re-headed; a new edge appears only
    between an unchanged head and a new node, or anywhere in a re-headed bucket. (So adding a paragraph can
    split a group: a new head that is a near-duplicate of neither breaks the edge between the old head and a
    member; golden case in tests/transforms/golden/paragraph_groups.yaml.)

    The disturbed nodes D are: the removed nodes; the old head of each re-headed bucket where it had an edge;
    each node whose id grew and that was the smallest node of its group. The recomputed region R is the union
    of the old groups that hold a node of D.

    Invariant: every edge that disappears has both endpoints in R (it has an endpoint in D, and an old edge
    joins two nodes of one old group), and every edge of the new graph with an endpoint in R is either an old
    edge, whose other endpoint is then in R too, or a new edge. So each old group outside R is still connected,
    with the same nodes, and its smallest node id can only have gone down (a node's id grows only when its
    smallest paragraph leaves; if it was the group's smallest node, it is in D). The new groups are exactly the
    components obtained from these units: each old group outside R, each surviving node of R, each new node;
    joined along (a) every new edge and (b) every edge between survivors of R: for a survivor u and each bucket
    B of u that is not re-headed, (head, u) when the head is in R. A head h outside R needs no look: (h, u)
    would be an old edge (h headed B before and u was in B before), so h would be in u's old group, in R.
    An old group outside R thus keeps its id unless it merges with a smaller one or one of its nodes got a
    smaller id. (The tests check the invariant's consequence: after every batch, the state equals a rebuild.)

Costs
    Reads and writes are proportional to the added and removed paragraphs except where the answer is larger: a
    re-headed bucket is read whole (its new head is compared with every member, as a full recompute does), a
    region R is read whole, and a group whose id changes rewrites each of its paragraph_groups rows. With
    paragraph ids that are hashes, a new node heads an existing bucket of n nodes with probability 1/(n+1), so
    the expected read per new node and bucket stays below one node.

Keys
    `node_key` is a 128-bit BLAKE2b of the exact key (32 hex digits); the stored shingles and text_key are
    compared on every match, so a collision raises instead of merging two nodes. `band_key` is the exact bucket
    key, not a hash: "<band>:<its rows as 8 hex digits each>", e.g. "3:00a1b2c3000f00e1deadbeef". A 64-bit
    hash of 10^8 bucket keys collides with probability about 10^-3, and one collision could change a head.
    Paragraph ids and node ids compare as Python strings, i.e. by code point (= UTF-8 bytes, as in DuckDB
    without a collation).
"""

from __future__ import annotations

import hashlib
import itertools
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from transforms._data import rules
from transforms.words import content_words, normalized_words

_MASK32 = 0xFFFFFFFF
_BIGRAM_MULT = 0x85EBCA6B


@dataclass(frozen=True, slots=True)
class DupParams:
    """Near-duplicate thresholds and LSH shape; an index is valid only for the params that built it."""

    jaccard: float       # near-duplicates when shingle Jaccard reaches this
    containment: float   # ... or when the smaller set is this much inside the larger
    min_shingles: int    # below this many shingles only exact copies are grouped
    bands: int           # LSH bands ...
    rows: int            # ... of this many MinHash values each

    @classmethod
    def from_rules(cls, data: Mapping[str, Any]) -> DupParams:
        """The params in a stories rule mapping (`data/rules/stories.yaml`)."""
        return cls(float(data["dup_jaccard"]), float(data["dup_containment"]), int(data["dup_min_shingles"]),
                   int(data["minhash_bands"]), int(data["minhash_rows"]))

    @property
    def fingerprint(self) -> str:
        """Text that changes with any param: kept beside an index, a different value means rebuild it."""
        return (f"jaccard={self.jaccard!r} containment={self.containment!r} min_shingles={self.min_shingles} "
                f"bands={self.bands} rows={self.rows}")


RULE_PARAMS = DupParams.from_rules(rules("stories"))


# --- shingles, signatures, the near-duplicate test ---------------------------------------------------------

def _word_hash(cache: dict[str, int], word: str) -> int:
    h = cache.get(word)
    if h is None:
        h = cache[word] = zlib.crc32(word.encode("utf-8"))
    return h


def _shingles(text: str, cache: dict[str, int]) -> tuple[int, ...]:
    """Sorted distinct content-word bigram hashes of `text` (its unigram when it has a single content word)."""
    hs = [_word_hash(cache, w) for w in content_words(text)]
    if len(hs) >= 2:
        shingles = {((a * _BIGRAM_MULT) ^ b) & _MASK32 for a, b in itertools.pairwise(hs)}
    else:
        shingles = set(hs)
    return tuple(sorted(shingles))


def _shingle_sets(texts: Iterable[str]) -> list[tuple[int, ...]]:
    """The shingles of each text."""
    cache: dict[str, int] = {}
    return [_shingles(text, cache) for text in texts]


def _minhash_params(n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` fixed odd multipliers and offsets for multiply-shift hashing (a fixed LCG, never the process's hash)."""
    a, b = [], []
    state = 0x2545F4914F6CDD1D
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        a.append(state | 1)
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        b.append(state)
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


def _signatures(sets: list[tuple[int, ...]], n_hashes: int) -> np.ndarray:
    """MinHash signature matrix (sets x hashes) of non-empty shingle sets, one pass per hash; values < 2**32."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.fromiter((h for s in sets for h in s), dtype=np.uint64, count=int(lengths.sum()))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    a, b = _minhash_params(n_hashes)
    sig = np.empty((len(sets), n_hashes), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n_hashes):
            sig[:, j] = np.minimum.reduceat((flat * a[j] + b[j]) >> np.uint64(32), starts)
    return sig


def _near_duplicate_sets(sx: frozenset[int], sy: frozenset[int], params: DupParams) -> bool:
    inter = len(sx & sy)
    if not inter:
        return False
    jaccard = inter / (len(sx) + len(sy) - inter)
    containment = inter / min(len(sx), len(sy))
    return jaccard >= params.jaccard or containment >= params.containment


def _near_duplicates(x: tuple[int, ...], y: tuple[int, ...], params: DupParams) -> bool:
    return _near_duplicate_sets(frozenset(x), frozenset(y), params)


# --- all at once -------------------------------------------------------------------------------------------

def paragraph_dup_groups(paragraphs: Sequence[tuple[str, str]], params: DupParams | None = None) -> dict[str, str]:
    """The near-duplicate group of every paragraph.

    Args:
        paragraphs: (paragraph_id, text) pairs; ids must be unique.
        params: thresholds and LSH shape; defaults to the rule file's.

    Returns:
        paragraph_id -> dup_group, the smallest paragraph_id of its group: copies and light rewordings of
        one paragraph (syndicated text) share it; a paragraph with no copy is its own group. Paragraphs with
        too few content words to compare are grouped only with exact (normalized) copies.
    """
    p = RULE_PARAMS if params is None else params
    ordered = sorted(paragraphs)
    ids = [pid for pid, _ in ordered]
    sets = _shingle_sets(text for _, text in ordered)
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    # Exact copies first (also the only rule for short or empty paragraphs).
    exact: dict[tuple[int, ...] | str, int] = {}
    for i, (s, (_, text)) in enumerate(zip(sets, ordered, strict=True)):
        key: tuple[int, ...] | str = s if s else normalized_words(text)
        union(exact.setdefault(key, i), i)
    # One representative per distinct set: copies are already joined.
    reps = sorted({find(i) for i in range(len(ids)) if len(sets[i]) >= p.min_shingles})
    if len(reps) > 1:
        sig = _signatures([sets[i] for i in reps], p.bands * p.rows)
        for band in range(p.bands):
            buckets: dict[bytes, int] = {}
            block = np.ascontiguousarray(sig[:, band * p.rows:(band + 1) * p.rows])
            for k in range(len(reps)):
                first = buckets.setdefault(block[k].tobytes(), k)
                # Compare with the bucket's first member only: linear even for boilerplate printed everywhere.
                if first != k and find(reps[first]) != find(reps[k]) \
                        and _near_duplicates(sets[reps[first]], sets[reps[k]], p):
                    union(reps[first], reps[k])
    return {pid: ids[find(i)] for i, pid in enumerate(ids)}


# --- the persisted index: rows, deltas, reads ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NodeRow:
    """One node (distinct exact key) of the index. Table `dup_nodes`, key `node_key`."""

    node_key: str                 # 128-bit BLAKE2b of the exact key, 32 hex digits
    node_id: str                  # smallest paragraph_id with this key
    n_members: int                # paragraphs with this key (> 0)
    dup_group: str                # the node's group: smallest node_id of its component
    shingles: tuple[int, ...]     # sorted shingle hashes (each < 2**32); empty for a text-keyed node
    text_key: str | None          # normalized words when `shingles` is empty, else None
    band_keys: tuple[str, ...]    # its bucket in each band; empty when it has fewer than min_shingles shingles


@dataclass(frozen=True, slots=True)
class BandRow:
    """A node's membership of one LSH bucket. Table `dup_bands`, key (`band_key`, `node_key`)."""

    band_key: str                 # exact bucket key, "<band>:<rows as 8 hex digits each>"
    node_key: str                 # the member node
    node_id: str                  # copy of the node's node_id, so a bucket's head needs no join


@dataclass(frozen=True, slots=True)
class MemberRow:
    """The node of one paragraph. Table `dup_members`, key `paragraph_id`."""

    paragraph_id: str
    node_key: str


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One row of the public `paragraph_groups` table, key `paragraph_id`."""

    paragraph_id: str
    dup_group: str


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class TableDelta(Generic[R]):
    """Changes to one table: first delete every row whose key is in `delete`, then insert `insert`.

    A replaced row has its key in both. Inserted rows never collide with rows left in place. Both are sorted
    by key (band rows by node_key, then band number).
    """

    delete: tuple[str, ...] = ()
    insert: tuple[R, ...] = ()


@dataclass(frozen=True, slots=True)
class DupGroupsDelta:
    """What one update changes, per table (each applied delete-then-insert, all in one transaction).

    `nodes` and `members` and `paragraph_groups` are keyed as their row types say; `bands` is keyed by
    `node_key`: deleting a key deletes every bucket row of that node.
    """

    nodes: TableDelta[NodeRow] = field(default_factory=TableDelta)
    bands: TableDelta[BandRow] = field(default_factory=TableDelta)
    members: TableDelta[MemberRow] = field(default_factory=TableDelta)
    paragraph_groups: TableDelta[GroupRow] = field(default_factory=TableDelta)


class DupIndex(Protocol):
    """Batch reads of the stored index, each one SQL query over `dup_nodes`, `dup_bands`, `dup_members`.

    Every method answers from the stored state (before the update), in any row order; unknown keys are
    simply absent from the answer.
    """

    def nodes(self, node_keys: Collection[str]) -> Iterable[NodeRow]:
        """The node rows with these keys (`WHERE node_key IN (...)`)."""
        ...

    def nodes_in_groups(self, dup_groups: Collection[str]) -> Iterable[NodeRow]:
        """Every node row of these groups (`WHERE dup_group IN (...)`)."""
        ...

    def members(self, paragraph_ids: Collection[str]) -> Iterable[MemberRow]:
        """The member rows of these paragraphs (`WHERE paragraph_id IN (...)`)."""
        ...

    def members_of_nodes(self, node_keys: Collection[str]) -> Iterable[MemberRow]:
        """Every member row of these nodes (`WHERE node_key IN (...)`)."""
        ...

    def smallest_members(self, node_keys: Collection[str], excluding: Collection[str]) -> Mapping[str, str]:
        """node_key -> its smallest paragraph_id not in `excluding`; a node with none left is absent.

        `SELECT node_key, min(paragraph_id) FROM dup_members WHERE node_key IN (...) AND paragraph_id NOT IN
        (...) GROUP BY node_key`.
        """
        ...

    def bucket_heads(self, band_keys: Collection[str], excluding: Collection[str]) -> Iterable[BandRow]:
        """Per band key, the one bucket row with the smallest node_id among nodes not in `excluding`.

        A bucket with no such row is absent. `SELECT band_key, arg_min(node_key, node_id), min(node_id) FROM
        dup_bands WHERE band_key IN (...) AND node_key NOT IN (...) GROUP BY band_key`.
        """
        ...

    def bucket_members(self, band_keys: Collection[str]) -> Iterable[BandRow]:
        """Every bucket row of these band keys (`WHERE band_key IN (...)`)."""
        ...


# --- incremental update ------------------------------------------------------------------------------------

def _node_key(shingles: tuple[int, ...], text_key: str | None) -> str:
    """128-bit hex digest of a node's exact key (shingles, else normalized words)."""
    h = hashlib.blake2b(digest_size=16)
    if shingles:
        h.update(b"s")
        h.update(np.asarray(shingles, dtype="<u4").tobytes())
    else:
        h.update(b"t")
        h.update((text_key or "").encode("utf-8"))
    return h.hexdigest()


def _band_keys(sets: list[tuple[int, ...]], params: DupParams) -> list[tuple[str, ...]]:
    """The exact bucket key of each (LSH-sized) set in every band."""
    if not sets:
        return []
    sig = _signatures(sets, params.bands * params.rows)
    width = 8 * params.rows
    out = []
    for row in sig.astype(">u4"):
        hexed = row.tobytes().hex()
        out.append(tuple(f"{b}:{hexed[b * width:(b + 1) * width]}" for b in range(params.bands)))
    return out


@dataclass(slots=True)
class _Node:
    """A node the update has read or created: its stored row and its state after the update."""

    key: str
    shingles: tuple[int, ...]
    text_key: str | None
    band_keys: tuple[str, ...]
    old: NodeRow | None               # None: created by this update
    node_id: str | None               # None: removed by this update
    n_members: int

    @property
    def old_id(self) -> str | None:
        return None if self.old is None else self.old.node_id

    @property
    def old_group(self) -> str | None:
        return None if self.old is None else self.old.dup_group


class _Update:
    """The working state of one `dup_groups_update` call (see the module docstring for the steps)."""

    def __init__(self, index: DupIndex, params: DupParams) -> None:
        self.index = index
        self.params = params
        self.nodes: dict[str, _Node] = {}
        self._sets: dict[str, frozenset[int]] = {}

    def load(self, rows: Iterable[NodeRow]) -> None:
        """Remember stored nodes not seen yet, unchanged by the update."""
        for r in rows:
            if r.node_key not in self.nodes:
                self.nodes[r.node_key] = _Node(r.node_key, r.shingles, r.text_key, r.band_keys, r, r.node_id,
                                               r.n_members)

    def load_keys(self, keys: Iterable[str]) -> None:
        missing = {k for k in keys if k not in self.nodes}
        if missing:
            self.load(self.index.nodes(missing))

    def near(self, a: str, b: str) -> bool:
        """Whether two loaded nodes are near-duplicates."""
        sets = self._sets
        sa = sets.get(a)
        if sa is None:
            sa = sets[a] = frozenset(self.nodes[a].shingles)
        sb = sets.get(b)
        if sb is None:
            sb = sets[b] = frozenset(self.nodes[b].shingles)
        return _near_duplicate_sets(sa, sb, self.params)

    def apply_paragraphs(self, added: Sequence[tuple[str, str]], removed: frozenset[str]) -> list[MemberRow]:
        """Read the touched nodes and set their members, ids and counts; the new member rows."""
        added_ids = [pid for pid, _ in added]
        if len(set(added_ids)) != len(added_ids):
            raise ValueError("added: paragraph ids must be unique")
        stored = {m.paragraph_id: m.node_key for m in self.index.members(removed | set(added_ids))}
        missing = removed - stored.keys()
        if missing:
            raise ValueError(f"removed: {len(missing)} paragraph ids are not in the index, e.g. {min(missing)!r}")
        present = sorted(pid for pid in added_ids if pid in stored and pid not in removed)
        if present:
            raise ValueError(f"added: {len(present)} paragraph ids are already in the index, e.g. {present[0]!r}")
        cache: dict[str, int] = {}
        keys: dict[str, tuple[tuple[int, ...], str | None]] = {}
        added_by_node: dict[str, list[str]] = defaultdict(list)
        rows = []
        for pid, text in added:
            shingles = _shingles(text, cache)
            text_key = None if shingles else normalized_words(text)
            key = _node_key(shingles, text_key)
            if keys.setdefault(key, (shingles, text_key)) != (shingles, text_key):
                raise ValueError(f"node key collision on {key}")
            added_by_node[key].append(pid)
            rows.append(MemberRow(pid, key))
        removed_by_node: dict[str, list[str]] = defaultdict(list)
        for pid in removed:
            removed_by_node[stored[pid]].append(pid)
        self.load(self.index.nodes(removed_by_node.keys() | added_by_node.keys()))
        if not removed_by_node.keys() <= self.nodes.keys():
            raise ValueError("index is inconsistent: a member row points to no node; rebuild it")
        lost_head = [k for k in removed_by_node if self.nodes[k].old_id in removed]
        rest = self.index.smallest_members(lost_head, removed) if lost_head else {}
        fresh = [k for k in added_by_node if k not in self.nodes]
        fresh_sets = [keys[k][0] for k in fresh if len(keys[k][0]) >= self.params.min_shingles]
        fresh_bands = iter(_band_keys(fresh_sets, self.params))
        for k in fresh:
            shingles, text_key = keys[k]
            bands = next(fresh_bands) if len(shingles) >= self.params.min_shingles else ()
            self.nodes[k] = _Node(k, shingles, text_key, bands, None, None, 0)
        for k in removed_by_node.keys() | added_by_node.keys():
            node = self.nodes[k]
            if node.old is not None and k in keys and (node.shingles, node.text_key) != keys[k]:
                raise ValueError(f"node key collision on {k}")
            ids = [min(added_by_node[k])] if k in added_by_node else []
            if node.old_id is not None:
                if node.old_id not in removed:
                    ids.append(node.old_id)
                elif k in rest:
                    ids.append(rest[k])
            node.n_members += len(added_by_node.get(k, ())) - len(removed_by_node.get(k, ()))
            node.node_id = min(ids) if ids else None
            if (node.node_id is None) != (node.n_members == 0):
                raise ValueError(f"index is inconsistent: node {k} has {node.n_members} members and id "
                                 f"{node.node_id!r}; rebuild it")
        return rows

    def edges_and_disturbed(self) -> tuple[list[tuple[str, str]], set[str], dict[str, str], set[str]]:
        """Candidate new edges, the disturbed nodes, the new head of every touched bucket, the re-headed buckets."""
        nodes = self.nodes
        moved = [n for n in nodes.values() if n.band_keys and (n.old is None or n.node_id != n.old_id)]
        excluded = {n.key for n in moved if n.old is not None}
        in_bucket: dict[str, list[_Node]] = defaultdict(list)
        for n in moved:
            for b in n.band_keys:
                in_bucket[b].append(n)
        heads = {r.band_key: r for r in self.index.bucket_heads(in_bucket.keys(), excluded)}
        edges: list[tuple[str, str]] = []
        head1: dict[str, str] = {}
        reheaded: dict[str, str | None] = {}          # bucket -> its old head
        for b, movers in in_bucket.items():
            h = heads.get(b)
            if h is None and len(movers) == 1:
                # Its only member, old or new: no edge comes or goes (the common case for new text).
                if movers[0].node_id is not None:
                    head1[b] = movers[0].key
                continue
            old = [(h.node_id, h.node_key)] if h else []
            new = list(old)
            old += [(n.old.node_id, n.key) for n in movers if n.old is not None]
            new += [(n.node_id, n.key) for n in movers if n.node_id is not None]
            if not new:
                continue
            h1 = head1[b] = min(new)[1]
            h0 = min(old)[1] if old else None
            if h0 == h1:
                edges += [(h1, n.key) for n in movers if n.old is None]
            else:
                reheaded[b] = h0
        self.load_keys(h for h, _ in edges)
        fetched: dict[str, list[str]] = defaultdict(list)
        for r in self.index.bucket_members([b for b in reheaded if b in heads]):
            fetched[r.band_key].append(r.node_key)
        self.load_keys(k for ks in fetched.values() for k in ks)
        disturbed = {n.key for n in nodes.values() if n.old is not None and n.node_id is None}
        disturbed |= {n.key for n in nodes.values() if n.old is not None and n.node_id is not None
                      and n.node_id > n.old.node_id and n.old.node_id == n.old.dup_group}
        for b, h0 in reheaded.items():
            members0 = fetched[b] if b in heads else [n.key for n in in_bucket[b] if n.old is not None]
            members1 = [k for k in members0 if nodes[k].node_id is not None]
            members1 += [n.key for n in in_bucket[b] if n.old is None]
            h1 = head1[b]
            edges += [(h1, k) for k in members1 if k != h1]
            if h0 is not None and h0 not in disturbed and any(self.near(h0, k) for k in members0 if k != h0):
                disturbed.add(h0)
        return edges, disturbed, head1, set(reheaded)

    def region_edges(self, region: set[str], head1: dict[str, str], reheaded: set[str]) -> list[tuple[str, str]]:
        """Candidate edges between surviving nodes of the recomputed region."""
        nodes = self.nodes
        survivors = [nodes[k] for k in sorted(region) if nodes[k].node_id is not None]
        other = {b for n in survivors for b in n.band_keys if b not in head1}
        heads = dict(head1)
        heads.update((r.band_key, r.node_key) for r in self.index.bucket_heads(other, ()))
        edges = []
        for u in survivors:
            for b in u.band_keys:
                h = heads[b]
                if b not in reheaded and h != u.key and h in region:
                    edges.append((h, u.key))
        return edges


def dup_groups_update(index: DupIndex, added: Sequence[tuple[str, str]], removed: Collection[str],
                      params: DupParams | None = None) -> DupGroupsDelta:
    """The changes to the index and to `paragraph_groups` when paragraphs leave and arrive.

    Args:
        index: the stored index, as it was built from the current paragraphs with the same `params`.
        added: (paragraph_id, text) of the arriving paragraphs; ids must not be in the index unless removed.
        removed: ids of the leaving paragraphs, all in the index. Removal happens before addition, so an id
            may be in both (a paragraph whose text changed).
        params: thresholds and LSH shape; defaults to the rule file's.

    Returns:
        Rows to delete and insert in each state table and in `paragraph_groups` (new paragraphs, removed ones,
        and those whose group changed). Applied, the groups equal `paragraph_dup_groups` over the paragraphs
        now current, and the state equals `dup_index_rows` over them.

    Raises:
        ValueError: an id is missing or already there, or the index is inconsistent (rebuild it).
    """
    p = RULE_PARAMS if params is None else params
    gone = frozenset(removed)
    up = _Update(index, p)
    member_rows = up.apply_paragraphs(added, gone)
    nodes = up.nodes
    edges, disturbed, head1, reheaded = up.edges_and_disturbed()
    region_groups = {g for k in disturbed if (g := nodes[k].old_group) is not None}
    up.load(index.nodes_in_groups(region_groups))
    region = {k for k, n in nodes.items() if n.old_group in region_groups}
    edges += up.region_edges(region, head1, reheaded)
    group = _components(nodes, region, edges, up.near)
    relabelled = sorted(g for g, new in group.items() if g.startswith(_UNIT) and g != _UNIT + new)
    up.load(index.nodes_in_groups([g[len(_UNIT):] for g in relabelled]))

    group_of: dict[str, str] = {}
    node_rows: list[NodeRow] = []
    regrouped: list[str] = []
    for k, n in sorted(nodes.items()):
        if n.node_id is None:
            continue
        g = group_of[k] = group[_unit(n, k in region)]
        row = NodeRow(k, n.node_id, n.n_members, g, n.shingles, n.text_key, n.band_keys)
        if row != n.old:
            node_rows.append(row)
        if n.old is not None and g != n.old.dup_group:
            regrouped.append(k)
    added_ids = {m.paragraph_id for m in member_rows}
    group_rows = {m.paragraph_id: GroupRow(m.paragraph_id, group_of[m.node_key])
                  for m in index.members_of_nodes(regrouped) if m.paragraph_id not in gone}
    group_rows.update((m.paragraph_id, GroupRow(m.paragraph_id, group_of[m.node_key])) for m in member_rows)
    dropped = [k for k, n in nodes.items() if n.old is not None and n.node_id is None]
    replaced = [r.node_key for r in node_rows if nodes[r.node_key].old is not None]
    rebanded = [n for n in nodes.values() if n.band_keys and n.node_id != n.old_id]
    return DupGroupsDelta(
        nodes=TableDelta(tuple(sorted(dropped + replaced)), tuple(node_rows)),
        bands=TableDelta(tuple(sorted(n.key for n in rebanded if n.old is not None)),
                         tuple(BandRow(b, n.key, n.node_id) for n in sorted(rebanded, key=_key)
                               if n.node_id is not None for b in n.band_keys)),
        members=TableDelta(tuple(sorted(gone)), tuple(sorted(member_rows, key=_paragraph))),
        paragraph_groups=TableDelta(tuple(sorted(gone | (group_rows.keys() - added_ids))),
                                    tuple(sorted(group_rows.values(), key=_paragraph))),
    )


_UNIT = "group:"


def _key(node: _Node) -> str:
    return node.key


def _paragraph(row: MemberRow | GroupRow) -> str:
    return row.paragraph_id


def _unit(node: _Node, in_region: bool) -> str:
    """What a node is joined as: itself when new or in the region, else its whole old group."""
    return node.key if node.old is None or in_region else _UNIT + node.old.dup_group


def _components(nodes: Mapping[str, _Node], region: set[str], edges: Iterable[tuple[str, str]],
                near: Callable[[str, str], bool]) -> dict[str, str]:
    """unit -> group id after joining along the candidate edges that are near-duplicates (see `_unit`).

    A unit's label is its smallest node id: a node's own, or an old group's id lowered by any of its loaded
    nodes whose id went down.
    """
    parent: dict[str, str] = {}
    label: dict[str, str] = {}
    for k, n in nodes.items():
        if n.node_id is None:
            continue
        u = _unit(n, k in region)
        parent[u] = u
        start = u[len(_UNIT):] if u.startswith(_UNIT) else n.node_id
        label[u] = min(label.get(u, start), n.node_id)

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(_unit(nodes[a], a in region)), find(_unit(nodes[b], b in region))
        if ra != rb and near(a, b):
            if label[rb] < label[ra]:
                ra, rb = rb, ra
            parent[rb] = ra
    return {u: label[find(u)] for u in parent}


def dup_index_rows(paragraphs: Sequence[tuple[str, str]], params: DupParams | None = None) -> DupGroupsDelta:
    """The whole index and `paragraph_groups` built from scratch (first run, rebuild): the inserts of the delta.

    Its groups equal `paragraph_dup_groups(paragraphs, params)`; its deletes are empty.
    """
    return dup_groups_update(MemoryDupIndex(), paragraphs, (), params)


class MemoryDupIndex:
    """A `DupIndex` in dicts that `apply` updates: the reference for the SQL one, and the store of tests and bench.

    `apply` checks the delta's contract: a deleted key exists, an inserted row does not collide.
    """

    def __init__(self) -> None:
        self.node_rows: dict[str, NodeRow] = {}
        self.band_rows: dict[str, dict[str, BandRow]] = {}     # band_key -> node_key -> row
        self.member_rows: dict[str, MemberRow] = {}
        self.group_rows: dict[str, GroupRow] = {}              # the public paragraph_groups table
        self._members_of: dict[str, set[str]] = defaultdict(set)
        self._nodes_of_group: dict[str, set[str]] = defaultdict(set)
        self._bands_of: dict[str, list[str]] = {}

    def nodes(self, node_keys: Collection[str]) -> list[NodeRow]:
        return [self.node_rows[k] for k in node_keys if k in self.node_rows]

    def nodes_in_groups(self, dup_groups: Collection[str]) -> list[NodeRow]:
        return [self.node_rows[k] for g in dup_groups for k in self._nodes_of_group.get(g, ())]

    def members(self, paragraph_ids: Collection[str]) -> list[MemberRow]:
        return [self.member_rows[p] for p in paragraph_ids if p in self.member_rows]

    def members_of_nodes(self, node_keys: Collection[str]) -> list[MemberRow]:
        return [self.member_rows[p] for k in node_keys for p in self._members_of.get(k, ())]

    def smallest_members(self, node_keys: Collection[str], excluding: Collection[str]) -> dict[str, str]:
        out = {}
        for k in node_keys:
            left = [p for p in self._members_of.get(k, ()) if p not in excluding]
            if left:
                out[k] = min(left)
        return out

    def bucket_heads(self, band_keys: Collection[str], excluding: Collection[str]) -> list[BandRow]:
        out = []
        for b in band_keys:
            rows = [r for k, r in self.band_rows.get(b, {}).items() if k not in excluding]
            if rows:
                out.append(min(rows, key=lambda r: r.node_id))
        return out

    def bucket_members(self, band_keys: Collection[str]) -> list[BandRow]:
        return [r for b in band_keys for r in self.band_rows.get(b, {}).values()]

    def apply(self, delta: DupGroupsDelta) -> None:
        """Write a delta: per table, delete then insert."""
        for k in delta.nodes.delete:
            row = self.node_rows.pop(k)
            self._nodes_of_group[row.dup_group].discard(k)
        for row in delta.nodes.insert:
            if row.node_key in self.node_rows:
                raise ValueError(f"dup_nodes: {row.node_key} inserted twice")
            self.node_rows[row.node_key] = row
            self._nodes_of_group[row.dup_group].add(row.node_key)
        for k in delta.bands.delete:
            for b in self._bands_of.pop(k):
                del self.band_rows[b][k]
                if not self.band_rows[b]:
                    del self.band_rows[b]
        for band in delta.bands.insert:
            bucket = self.band_rows.setdefault(band.band_key, {})
            if band.node_key in bucket:
                raise ValueError(f"dup_bands: ({band.band_key}, {band.node_key}) inserted twice")
            bucket[band.node_key] = band
            self._bands_of.setdefault(band.node_key, []).append(band.band_key)
        for p in delta.members.delete:
            self._members_of[self.member_rows.pop(p).node_key].discard(p)
        for member in delta.members.insert:
            if member.paragraph_id in self.member_rows:
                raise ValueError(f"dup_members: {member.paragraph_id} inserted twice")
            self.member_rows[member.paragraph_id] = member
            self._members_of[member.node_key].add(member.paragraph_id)
        for p in delta.paragraph_groups.delete:
            del self.group_rows[p]
        for g in delta.paragraph_groups.insert:
            if g.paragraph_id in self.group_rows:
                raise ValueError(f"paragraph_groups: {g.paragraph_id} inserted twice")
            self.group_rows[g.paragraph_id] = g

    def groups(self) -> dict[str, str]:
        """paragraph_id -> dup_group, as the public table holds it."""
        return {p: g.dup_group for p, g in self.group_rows.items()}
