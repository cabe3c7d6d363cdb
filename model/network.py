"""The organisational network: who reports to whom, who works in which unit, who sees whom.

networkx builds or reads the graph once; the step rules only use the resulting arrays and a scipy
sparse adjacency matrix (peers and supervisor ties, symmetric), so a step never walks the graph.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    import networkx as nx

from .config import ConfigError, NetworkConfig


@dataclass
class Organisation:
    """Arrays over cadres 0..n-1 describing the organisation."""

    adjacency: sp.csr_matrix  # symmetric 0/1, no self-loops
    supervisor: np.ndarray  # index of the direct supervisor, -1 for none
    unit: np.ndarray  # unit id 0..U-1 (evaluation ranks cadres within a unit)
    level: np.ndarray  # 0 = top of the hierarchy
    labels: list[str] | None = None  # node ids from a user's file

    @property
    def size(self) -> int:
        return int(self.supervisor.size)

    def graph(self) -> nx.Graph:
        """A networkx view (for layouts and inspection, not for stepping)."""
        import networkx as nx  # noqa: PLC0415 - only the graph kinds and views need it

        g = nx.from_scipy_sparse_array(self.adjacency)
        nx.set_node_attributes(g, dict(enumerate(self.level.tolist())), "level")
        nx.set_node_attributes(g, dict(enumerate(self.unit.tolist())), "unit")
        return g


def build_organisation(cfg: NetworkConfig, n: int, rng: np.random.Generator) -> Organisation:
    """Build the network named by `cfg.kind` for n cadres (a file fixes n itself)."""
    if cfg.kind == "hierarchy":
        return hierarchy(n, cfg.span, cfg.peer_prob, cfg.cross_ties, rng, cfg.levels)
    if cfg.kind == "file":
        return load_organisation(cfg)
    import networkx as nx  # noqa: PLC0415 - a hierarchy (the default) never needs it

    seed = int(rng.integers(2**32))
    if cfg.kind == "small_world":
        k = min(cfg.degree, n - 1) // 2 * 2
        g = nx.watts_strogatz_graph(n, max(k, 2), cfg.rewire, seed=seed)
    else:  # scale_free
        g = nx.barabasi_albert_graph(n, max(1, min(cfg.degree // 2, n - 1)), seed=seed)
    return Organisation(
        adjacency=_symmetric(nx.to_scipy_sparse_array(g, nodelist=range(n), format="coo"), n),
        supervisor=np.full(n, -1, dtype=np.int64),
        unit=np.arange(n, dtype=np.int64) // cfg.unit_size,
        level=np.zeros(n, dtype=np.int64),
    )


def hierarchy(
    n: int,
    span: int,
    peer_prob: float,
    cross_ties: float,
    rng: np.random.Generator,
    levels: int = 3,
) -> Organisation:
    """A forest of complete `span`-ary trees of depth `levels`, in breadth-first order.

    Each tree is a division: a division head, unit heads, reports (three levels by default);
    as many divisions as `n` needs, the last level filled from the first parents on. A unit is a
    supervisor's direct reports; the division heads form one unit of their own. Members of a
    unit are tied with chance `peer_prob`; `cross_ties` random ties per cadre join units."""
    tree = sum(span**k for k in range(levels))
    roots = max(1, -(-n // tree))
    idx = np.arange(n, dtype=np.int64)
    starts = [0]  # first index of each level, while levels fill
    while starts[-1] < n and len(starts) <= levels:
        starts.append(min(n, starts[-1] + roots * span ** (len(starts) - 1)))
    bounds = np.array(starts[1:], dtype=np.int64)
    level = np.searchsorted(bounds, idx, side="right").astype(np.int64)
    first = np.array(starts, dtype=np.int64)
    supervisor = np.where(
        level > 0, first[np.maximum(level - 1, 0)] + (idx - first[level]) // span, -1
    )
    unit_of = np.maximum(supervisor, -1)
    _, unit = np.unique(unit_of, return_inverse=True)
    reports = supervisor >= 0
    rows, cols = [idx[reports]], [supervisor[reports]]
    for k in range(1, span):  # siblings are contiguous, so peers are i and i + k
        i = idx[1 : max(n - k, 1)]  # (an org smaller than a span has fewer pairs)
        j = i + k
        keep = (unit[i] == unit[j]) & (rng.random(i.size) < peer_prob)
        rows.append(i[keep])
        cols.append(j[keep])
    m = int(round(cross_ties * n / 2))
    if m and n > 1:
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = unit[a] != unit[b]
        rows.append(a[keep])
        cols.append(b[keep])
    r, c = np.concatenate(rows), np.concatenate(cols)
    adj = sp.coo_matrix((np.ones(r.size), (r, c)), shape=(n, n))
    return Organisation(_symmetric(adj, n), supervisor, unit.astype(np.int64), level)


def divisions(supervisor: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Division of each cadre: its top ancestor in the reporting tree (the pool whose
    enforcement cases a cadre sees), or its unit where the network has no reporting lines.
    With a single top leader, the subtrees of its direct reports are the divisions."""
    if not (supervisor >= 0).any():
        return unit.copy()
    top = np.arange(supervisor.size)
    while True:  # climb one level per pass
        up = supervisor[top]
        climbing = up >= 0
        if not climbing.any():
            break
        top = np.where(climbing, up, top)
    roots = np.unique(top)
    if roots.size == 1:  # one leader: divide below it
        below = np.arange(supervisor.size)
        while True:
            up = supervisor[below]
            climbing = (up >= 0) & (up != roots[0])
            if not climbing.any():
                break
            below = np.where(climbing, up, below)
        top = below
    _, division = np.unique(top, return_inverse=True)
    return division.astype(np.int64)


def _symmetric(adj: sp.spmatrix | sp.sparray, n: int) -> sp.csr_matrix:
    a = sp.csr_matrix(adj)
    a = ((a + a.T) > 0).astype(np.float64)
    a.setdiag(0)
    a.eliminate_zeros()
    return sp.csr_matrix(a)


# ------------------------------------------------------------------ a user's own org chart


def load_organisation(cfg: NetworkConfig) -> Organisation:
    """Read an org chart from GraphML or an edge-list CSV, and validate it.

    CSV: columns `source,target[,relation]`; relation `reports_to` means source reports to
    target, anything else (or none) is a peer tie. An optional nodes CSV (`network.nodes_path`)
    has `id[,unit][,level]`. GraphML: the same names as node and edge attributes.
    """
    path = Path(str(cfg.path))
    if not path.is_file():
        raise ConfigError(f"network.path: no such file: {path}")
    check_file_size("network.path", path)
    if cfg.nodes_path and Path(str(cfg.nodes_path)).is_file():
        check_file_size("network.nodes_path", Path(str(cfg.nodes_path)))
    nodes: dict[str, dict[str, str]] = {}
    if path.suffix.lower() in (".graphml", ".xml"):
        edges, nodes = _read_graphml(path)
    else:
        edges = _read_edge_csv(path)
        if cfg.nodes_path:
            nodes = _read_nodes_csv(Path(str(cfg.nodes_path)))
    return _organisation_from(edges, nodes, cfg, str(path))


# Reading an org chart takes about 40 bytes of memory per byte of the file at its peak
# (measured: 9 MB, 400,000 edges -> 370 MB; the text, the parsed rows, the id index and the
# arrays), so a file is refused above the machine's memory cap (cadresim.safety) / 64.
FILE_EXPANSION = 64


def org_file_cap() -> int:
    from cadresim.safety import memory_cap  # noqa: PLC0415 (import cycle)

    return memory_cap() // FILE_EXPANSION


def check_file_size(key: str, path: Path) -> None:
    """Refuse, before reading it, an org-chart file too large to read on this machine."""
    size, cap = path.stat().st_size, org_file_cap()
    if size > cap:
        raise ConfigError(
            f"{key}: {path} is {size / 2**20:,.0f} MiB; an org-chart file is read into memory "
            f"whole and may be at most {cap / 2**20:,.0f} MiB on this machine (1/{FILE_EXPANSION} "
            "of the memory cadresim may use); trim it to the cadres the model needs"
        )


UTF8_NEEDED = "allowed: UTF-8 text, an edge-list CSV (source,target[,relation]) or GraphML"


def _read_graphml(path: Path) -> tuple[list[tuple[str, str, str]], dict[str, dict[str, str]]]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ConfigError(
            f"network.path: {path} is not valid GraphML: {exc}; {UTF8_NEEDED}"
        ) from None
    except ValueError as exc:  # e.g. encoding="GBK": expat reads no multi-byte legacy encoding
        raise ConfigError(f"network.path: {path} cannot be read ({exc}); {UTF8_NEEDED}") from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    keys = {k.get("id"): k.get("attr.name") for k in root.iter(f"{ns}key")}

    def data(el: ET.Element) -> dict[str, str]:
        return {
            keys.get(d.get("key"), d.get("key")): (d.text or "") for d in el.findall(f"{ns}data")
        }

    nodes: dict[str, dict[str, str]] = {}
    for k, el in enumerate(root.iter(f"{ns}node"), start=1):
        node_id = el.get("id")
        if not node_id:
            raise ConfigError(
                f"network.path: {path}: <node> number {k} has no id; each node needs a unique "
                'id, e.g. <node id="a"/>'
            )
        if node_id in nodes:
            raise ConfigError(
                f"network.path: {path}: node id {node_id!r} is declared twice; node ids must be "
                "unique"
            )
        nodes[node_id] = data(el)
    if not nodes:
        raise ConfigError(f"network.path: {path} has no <node> elements")
    edges = []
    for k, el in enumerate(root.iter(f"{ns}edge"), start=1):
        source, target = el.get("source"), el.get("target")
        if not source or not target:
            missing = " and ".join(x for x, v in (("source", source), ("target", target)) if not v)
            raise ConfigError(
                f"network.path: {path}: <edge> number {k} has no {missing} attribute; each edge "
                'needs both, e.g. <edge source="a" target="b"/>'
            )
        edges.append((source, target, data(el).get("relation", "peer")))
    unknown = sorted({x for s, t, _ in edges for x in (s, t) if x not in nodes})
    if unknown:
        raise ConfigError(
            f"network.path: edges name {len(unknown)} node id(s) not declared as nodes: "
            f"{', '.join(unknown[:5])}"
        )
    return edges, nodes


def _csv_text(path: Path, key: str) -> str:
    """The text of a UTF-8 CSV; `utf-8-sig` drops the byte-order mark Excel writes at the
    start of a "CSV UTF-8" file."""
    resave = "re-save it as UTF-8 (Excel: 'CSV UTF-8')"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{key}: {path} is not UTF-8 text (byte {exc.start}: {exc.reason}); {UTF8_NEEDED}; "
            f"{resave}"
        ) from None
    if "\x00" in text:  # valid UTF-8 but binary, or UTF-16 without a byte-order mark
        raise ConfigError(
            f"{key}: {path} contains NUL bytes, so it is not UTF-8 text; {UTF8_NEEDED}; {resave}"
        )
    return text


def _csv_rows(path: Path, key: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(column names, [(line number, row)]) of a UTF-8 CSV, names and values stripped."""
    text = _csv_text(path, key)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        cols = [c.strip() for c in reader.fieldnames or []]
        rows = [
            (reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k})
            for row in reader
        ]
    except csv.Error as exc:
        raise ConfigError(f"{key}: {path} is not a readable CSV ({exc}); {UTF8_NEEDED}") from None
    return cols, rows


def _read_edge_csv(path: Path) -> list[tuple[str, str, str]]:
    """Edges (source, target, relation) of an edge-list CSV, read row by row as plain lists
    (a DictReader builds a dict per row: three times slower on a file of millions of edges)."""
    text = _csv_text(path, "network.path")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        cols = [c.strip() for c in next(reader, [])]
        if "source" not in cols or "target" not in cols:
            raise ConfigError(
                f"network.path: {path} must be a CSV with columns source,target[,relation]; "
                f"found {cols}"
            )
        si, ti = cols.index("source"), cols.index("target")
        ri = cols.index("relation") if "relation" in cols else None
        edges = []
        for row in reader:
            if not row:  # a blank line, as DictReader skips it
                continue
            s = row[si].strip() if si < len(row) else ""
            t = row[ti].strip() if ti < len(row) else ""
            if not s or not t:
                raise ConfigError(
                    f"network.path: {path} line {reader.line_num}: empty source or target"
                )
            r = row[ri].strip() if ri is not None and ri < len(row) else ""
            edges.append((s, t, r or "peer"))
    except csv.Error as exc:
        raise ConfigError(
            f"network.path: {path} is not a readable CSV ({exc}); {UTF8_NEEDED}"
        ) from None
    return edges


def _read_nodes_csv(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        raise ConfigError(f"network.nodes_path: no such file: {path}")
    cols, rows = _csv_rows(path, "network.nodes_path")
    if "id" not in cols:
        raise ConfigError(
            f"network.nodes_path: {path} must be a CSV with columns id[,unit][,level]; found {cols}"
        )
    nodes: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    for line, row in rows:
        node_id = row.get("id", "")
        if not node_id:
            raise ConfigError(f"network.nodes_path: {path} line {line}: empty id")
        if node_id in nodes:
            raise ConfigError(
                f"network.nodes_path: {path} line {line}: node id {node_id!r} appears again "
                f"(first on line {first_line[node_id]}); node ids must be unique"
            )
        nodes[node_id], first_line[node_id] = row, line
    return nodes


def _organisation_from(
    edges: list[tuple[str, str, str]],
    nodes: dict[str, dict[str, str]],
    cfg: NetworkConfig,
    where: str,
) -> Organisation:
    """Index the edges and check the org chart with array operations (a file of millions of
    edges is checked in seconds, not walked edge by edge)."""
    import pandas as pd  # noqa: PLC0415 - a hierarchy (the default) never needs it

    src = np.array([e[0] for e in edges], dtype=object)
    tgt = np.array([e[1] for e in edges], dtype=object)
    reports = np.array([e[2] == "reports_to" for e in edges], dtype=bool)
    if nodes:
        index = pd.Index(list(nodes))
        missing = (index.get_indexer(src) < 0) | (index.get_indexer(tgt) < 0)
        if missing.any():
            unknown = sorted(
                set(src[index.get_indexer(src) < 0]) | set(tgt[index.get_indexer(tgt) < 0])
            )
            raise ConfigError(
                f"network.path: {where} names {len(unknown)} node id(s) missing from "
                f"network.nodes_path: {', '.join(unknown[:5])}"
            )
    else:  # ids in order of first appearance: source then target of each edge
        index = pd.Index(pd.unique(np.column_stack([src, tgt]).ravel()))
    labels = [str(x) for x in index]
    loops = sorted(set(src[src == tgt]))
    if loops:
        raise ConfigError(f"network.path: {where} has self-loops at: {', '.join(loops[:5])}")
    n = len(labels)
    if n < 2:
        raise ConfigError(f"network.path: {where} has {n} node(s); at least 2 are needed")
    s_i = index.get_indexer(src).astype(np.int64)
    t_i = index.get_indexer(tgt).astype(np.int64)
    supervisor = _supervisors(s_i[reports], t_i[reports], n, labels, where)
    adj = _symmetric(sp.coo_matrix((np.ones(s_i.size), (s_i, t_i)), shape=(n, n)), n)
    parts, component = connected_components(adj, directed=False)
    if parts > 1 and not cfg.allow_disconnected:
        sizes = sorted(np.bincount(component).tolist(), reverse=True)
        raise ConfigError(
            f"network.path: {where} is disconnected: {parts} parts of sizes "
            f"{sizes[:5]}; join them or set network.allow_disconnected=true"
        )
    level = _levels(supervisor, labels, where)
    unit = _units(nodes, labels, supervisor, cfg.unit_size)
    if nodes and all("level" in nodes[x] and nodes[x]["level"] != "" for x in labels):
        try:
            level = np.array([int(float(nodes[x]["level"])) for x in labels], dtype=np.int64)
        except ValueError:
            raise ConfigError(f"network.nodes_path: a 'level' in {where} is not a number") from None
        has = np.flatnonzero(supervisor >= 0)
        bad = has[level[has] <= level[supervisor[has]]]
        if bad.size:  # careers fill vacancies top-down by level
            i = int(bad[0])
            raise ConfigError(
                f"network.nodes_path: {where}: {labels[i]} has level {level[i]}, not below its "
                f"supervisor {labels[supervisor[i]]} (level {level[supervisor[i]]}); a level "
                "must grow down the reporting lines"
            )
    return Organisation(adj, supervisor, unit, level, labels)


def _supervisors(
    s_i: np.ndarray, t_i: np.ndarray, n: int, labels: list[str], where: str
) -> np.ndarray:
    """supervisor[i] from the reports_to edges (i, supervisor); a cadre with two different
    supervisors is refused, named by the first edge that gives it a second one."""
    supervisor = np.full(n, -1, dtype=np.int64)
    if not s_i.size:
        return supervisor
    first_edge = np.full(n, s_i.size, dtype=np.int64)
    np.minimum.at(first_edge, s_i, np.arange(s_i.size))
    clash = np.flatnonzero(t_i != t_i[first_edge[s_i]])  # not the supervisor first given
    if clash.size:
        raise ConfigError(
            f"network.path: {where}: {labels[s_i[clash[0]]]} reports to more than one supervisor"
        )
    supervisor[s_i] = t_i
    return supervisor


def _levels(supervisor: np.ndarray, labels: list[str], where: str) -> np.ndarray:
    """Depth of each cadre below the top of its reporting chain, by pointer jumping: each pass
    doubles how far every cadre has looked up, so a chain of n cadres takes log2(n) passes of
    array operations whatever order the file lists it in. A chain still open after that many
    passes runs in a circle: refused, naming a cadre on the circle."""
    n = supervisor.size
    depth = (supervisor >= 0).astype(np.int64)
    up = supervisor.copy()
    for _ in range(max(1, int(n).bit_length()) + 1):
        open_ = up >= 0
        if not open_.any():
            return depth
        above = up[open_]
        depth[open_] += depth[above]
        up[open_] = up[above]
    i = int(np.flatnonzero(up >= 0)[0])
    for _ in range(n):  # from any cadre that climbs forever, n steps up land on the circle
        i = int(supervisor[i])
    raise ConfigError(f"network.path: {where}: reports_to cycle through {labels[i]}")


def _units(
    nodes: dict[str, dict[str, str]], labels: list[str], supervisor: np.ndarray, unit_size: int
) -> np.ndarray:
    if nodes and all(nodes[x].get("unit") not in (None, "") for x in labels):
        _, unit = np.unique([nodes[x]["unit"] for x in labels], return_inverse=True)
        return unit.astype(np.int64)
    if (supervisor >= 0).any():
        _, unit = np.unique(np.where(supervisor >= 0, supervisor, -1), return_inverse=True)
        return unit.astype(np.int64)
    return np.arange(len(labels), dtype=np.int64) // unit_size
