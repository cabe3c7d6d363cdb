"""Organisational networks: built-in generators and a user's own org chart, validated."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from cadresim import ConfigError, load_config, simulate
from cadresim.model.config import NetworkConfig
from cadresim.model.network import build_organisation, divisions, hierarchy, load_organisation


def test_default_hierarchy_has_three_levels_in_divisions():
    org = hierarchy(1000, span=6, peer_prob=0.5, cross_ties=0.5, rng=np.random.default_rng(0))
    assert org.level.max() == 2
    heads = np.flatnonzero(org.level == 0)
    assert heads.size == 24 and (org.supervisor[heads] == -1).all()  # 1000 / (1 + 6 + 36)
    assert (org.level[org.supervisor[org.level > 0]] == org.level[org.level > 0] - 1).all()
    division = divisions(org.supervisor, org.unit)
    assert np.unique(division).size == 24
    # a division is a head's whole subtree
    assert (division[org.supervisor[org.level > 0]] == division[org.level > 0]).all()


def test_hierarchy_structure():
    org = hierarchy(
        200, span=5, peer_prob=1.0, cross_ties=0.0, rng=np.random.default_rng(0), levels=64
    )
    adj = org.adjacency
    assert (adj != adj.T).nnz == 0 and adj.diagonal().sum() == 0
    assert org.supervisor[0] == -1 and (org.supervisor[1:] == (np.arange(1, 200) - 1) // 5).all()
    assert org.level.max() == 4  # 1 + 5 + 25 + 125 = 156 < 200 <= 781
    # with peer_prob=1 every unit is a clique plus its supervisor tie
    members = np.flatnonzero(org.unit == org.unit[7])
    sub = adj[members][:, members].toarray()
    assert sub.sum() == len(members) * (len(members) - 1)


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_alternative_networks(kind):
    cfg = load_config([f"network={kind}", "population.size=300"])
    org = build_organisation(cfg.network, 300, np.random.default_rng(1))
    assert org.size == 300 and org.adjacency.nnz > 300
    assert (org.supervisor == -1).all()
    r = simulate([f"network={kind}", "population.size=300", "steps=12"])
    assert 0 < r.summary["all"]["initiative_rate"] < 1


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_edge_list_csv_with_reporting_lines(tmp_path):
    path = _write(
        tmp_path / "org.csv",
        "source,target,relation\nb,a,reports_to\nc,a,reports_to\nd,b,reports_to\nb,c,peer\n",
    )
    org = load_organisation(NetworkConfig(kind="file", path=path))
    assert org.labels == ["b", "a", "c", "d"]
    assert org.supervisor.tolist() == [1, -1, 1, 0]
    assert org.level.tolist() == [1, 0, 1, 2]
    r = simulate(["network=file", f"network.path={path}", "steps=6"])
    assert r.summary["cadres"] == 4


def test_graphml_org_chart(tmp_path):
    path = _write(
        tmp_path / "org.graphml",
        """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="r" for="edge" attr.name="relation" attr.type="string"/>
  <key id="u" for="node" attr.name="unit" attr.type="string"/>
  <graph edgedefault="directed">
    <node id="boss"><data key="u">top</data></node>
    <node id="x"><data key="u">team</data></node>
    <node id="y"><data key="u">team</data></node>
    <edge source="x" target="boss"><data key="r">reports_to</data></edge>
    <edge source="y" target="boss"><data key="r">reports_to</data></edge>
    <edge source="x" target="y"/>
  </graph>
</graphml>""",
    )
    org = load_organisation(NetworkConfig(kind="file", path=path))
    assert org.size == 3 and org.unit[1] == org.unit[2] != org.unit[0]
    assert org.adjacency.nnz == 6


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("loop.csv", "source,target\na,b\nb,b\n", "self-loops at: b"),
        ("parts.csv", "source,target\na,b\nc,d\n", "disconnected: 2 parts"),
        ("cols.csv", "from,to\na,b\n", "columns source,target"),
        ("empty.csv", "source,target\na,\n", "empty source or target"),
        ("cycle.csv", "source,target,relation\na,b,reports_to\nb,a,reports_to\n", "cycle"),
        ("bad.graphml", "<graphml><graph><node id='a'/>", "not valid GraphML"),
        (
            "ghost.graphml",
            "<graphml><graph><node id='a'/><edge source='a' target='z'/></graph></graphml>",
            "not declared as nodes: z",
        ),
    ],
)
def test_malformed_files_are_reported(tmp_path, name, text, fragment):
    path = _write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_organisation(NetworkConfig(kind="file", path=path))
    assert fragment in str(info.value) and "network.path" in str(info.value)


def test_unknown_ids_against_a_nodes_file(tmp_path):
    edges = _write(tmp_path / "e.csv", "source,target\na,b\nb,q\n")
    nodes = _write(tmp_path / "n.csv", "id,unit\na,1\nb,1\n")
    with pytest.raises(ConfigError, match="missing from network.nodes_path: q"):
        load_organisation(NetworkConfig(kind="file", path=edges, nodes_path=nodes))


GBK_CSV = "source,target,relation\n张三,李四,reports_to\n王五,李四,reports_to\n".encode("gbk")


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("gbk.csv", GBK_CSV, "is not UTF-8 text"),  # saved by Excel/WPS in the Chinese locale
        ("binary.csv", bytes(range(256)) * 4, "is not UTF-8 text"),
        ("utf16.csv", "source,target\na,b\n".encode("utf-16-le"), "NUL bytes"),  # no BOM
        (
            "gbk.graphml",
            '<?xml version="1.0" encoding="GBK"?><graphml><graph><node id="张三"/>'
            "</graph></graphml>".encode("gbk"),
            "cannot be read",
        ),
        ("binary.graphml", bytes(range(256)), "not valid GraphML"),
    ],
    ids=["gbk-csv", "binary-csv", "utf16-csv", "gbk-graphml", "binary-graphml"],
)
def test_files_that_are_not_utf8_text_are_refused(tmp_path, name, data, fragment):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_organisation(NetworkConfig(kind="file", path=str(path)))
    msg = str(info.value)
    assert msg.startswith("network.path:") and fragment in msg and "UTF-8" in msg


def test_nodes_file_that_is_not_utf8_is_refused(tmp_path):
    edges = _write(tmp_path / "e.csv", "source,target\na,b\n")
    nodes = tmp_path / "n.csv"
    nodes.write_bytes("id,unit\na,办公室\nb,办公室\n".encode("gbk"))
    with pytest.raises(ConfigError, match=r"^network\.nodes_path: .* is not UTF-8 text"):
        load_organisation(NetworkConfig(kind="file", path=edges, nodes_path=str(nodes)))


def test_excel_utf8_csv_with_byte_order_mark_loads(tmp_path):
    """Excel's "CSV UTF-8" starts with a BOM; the header must still read `source`, `id`."""
    edges = tmp_path / "org.csv"
    edges.write_bytes("source,target,relation\r\n张三,李四,reports_to\r\n".encode("utf-8-sig"))
    nodes = tmp_path / "nodes.csv"
    nodes.write_bytes("id,unit\r\n李四,办公室\r\n张三,办公室\r\n".encode("utf-8-sig"))
    org = load_organisation(NetworkConfig(kind="file", path=str(edges), nodes_path=str(nodes)))
    assert org.labels == ["李四", "张三"]
    assert org.supervisor.tolist() == [-1, 0] and org.unit.tolist() == [0, 0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "<graphml><graph><node id='a'/><node id='b'/><edge source='a'/></graph></graphml>",
            "<edge> number 1 has no target attribute",
        ),
        (
            "<graphml><graph><node id='a'/><node id='b'/><edge/></graph></graphml>",
            "<edge> number 1 has no source and target attribute",
        ),
        ("<graphml><graph><node id='a'/><node/></graph></graphml>", "<node> number 2 has no id"),
        (
            "<graphml><graph><node id='a'/><node id='a'/></graph></graphml>",
            "node id 'a' is declared twice",
        ),
        ("<graphml><graph><node id='a'></graph></graphml>", "not valid GraphML"),
    ],
    ids=["no-target", "no-source-target", "node-without-id", "duplicate-node", "unclosed-tag"],
)
def test_malformed_graphml_is_reported(tmp_path, text, fragment):
    path = _write(tmp_path / "org.graphml", text)
    with pytest.raises(ConfigError) as info:
        load_organisation(NetworkConfig(kind="file", path=path))
    assert str(info.value).startswith("network.path:") and fragment in str(info.value)


def test_duplicate_ids_in_a_nodes_file_are_refused(tmp_path):
    edges = _write(tmp_path / "e.csv", "source,target\na,b\n")
    nodes = _write(tmp_path / "n.csv", "id,unit\na,1\nb,1\na,2\n")
    with pytest.raises(ConfigError) as info:
        load_organisation(NetworkConfig(kind="file", path=edges, nodes_path=nodes))
    msg = str(info.value)
    assert msg.startswith("network.nodes_path:")
    assert "line 4: node id 'a' appears again (first on line 2)" in msg


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    cmd = [sys.executable, "-m", "cadresim.cli", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    ("files", "args", "fragment"),
    [
        ({"org.csv": GBK_CSV}, ["network.path=org.csv"], "network.path: org.csv is not UTF-8"),
        (
            {"org.csv": b"source,target\na,b\n", "n.csv": b"id\na\nb\nb\n"},
            ["network.path=org.csv", "network.nodes_path=n.csv"],
            "network.nodes_path: n.csv line 4: node id 'b' appears again",
        ),
    ],
    ids=["gbk-csv", "duplicate-id"],
)
def test_malformed_org_chart_on_the_command_line(tmp_path, files, args, fragment):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = _cli("network=file", *args, "steps=2", cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cadresim: error: {fragment}"), out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)  # nothing written


def test_missing_file():
    with pytest.raises(ConfigError, match="no such file"):
        simulate(["network=file", "network.path=/nonexistent/org.csv"])


@pytest.mark.parametrize("size", [2, 3, 4, 5, 6, 7, 8])
def test_hierarchy_smaller_than_a_span(size: int) -> None:
    """An organisation smaller than one span of control still builds (no wrapped slices)."""
    res = simulate([f"population.size={size}", "steps=2", "network=hierarchy"])
    assert int(res.steps.query("grouping == 'all'")["n"].iloc[0]) == size


# ------------------------------------------------------------------ large org charts


def test_a_long_chain_listed_bottom_up_loads_in_linear_time(tmp_path):
    """50,000 cadres in one reporting line, each listed before its supervisor (88 s before the
    levels were computed by pointer jumping)."""
    import time

    n = 50_000
    lines = "".join(f"n{i},n{i + 1},reports_to\n" for i in range(n - 1))
    (tmp_path / "chain.csv").write_text("source,target,relation\n" + lines)
    started = time.monotonic()
    org = load_organisation(NetworkConfig(kind="file", path=str(tmp_path / "chain.csv")))
    assert time.monotonic() - started < 15
    assert org.level[0] == n - 1 and org.level[n - 1] == 0
    assert np.array_equal(org.level, np.arange(n - 1, -1, -1))
    assert org.supervisor[0] == 1 and org.supervisor[n - 1] == -1


def test_a_cycle_at_the_end_of_a_long_chain_is_named(tmp_path):
    rows = [f"n{i},n{i + 1},reports_to" for i in range(5000)] + ["n5000,n4990,reports_to"]
    (tmp_path / "c.csv").write_text("source,target,relation\n" + "\n".join(rows) + "\n")
    with pytest.raises(ConfigError, match=r"reports_to cycle through n(499\d|5000)$"):
        load_organisation(NetworkConfig(kind="file", path=str(tmp_path / "c.csv")))


def test_two_supervisors_are_refused_naming_the_cadre(tmp_path):
    text = "source,target,relation\nb,a,reports_to\nc,a,reports_to\nc,b,reports_to\n"
    (tmp_path / "two.csv").write_text(text)
    with pytest.raises(ConfigError, match=r"two.csv: c reports to more than one supervisor"):
        load_organisation(NetworkConfig(kind="file", path=str(tmp_path / "two.csv")))


def test_a_1_gb_edge_list_is_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:  # sparse: 1 GiB long, nearly nothing on disk
        f.write(b"source,target\na,b\n")
        f.truncate(2**30)
    import builtins
    from pathlib import Path

    def no_reading(*a, **k):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_text", no_reading)
    monkeypatch.setattr(builtins, "open", no_reading)
    with pytest.raises(ConfigError) as info:
        load_organisation(NetworkConfig(kind="file", path=str(big)))
    msg = str(info.value)
    assert msg.startswith(f"network.path: {big} is 1,024 MiB; an org-chart file")
    assert "at most" in msg and "MiB on this machine" in msg


def test_the_file_cap_follows_the_machine(tmp_path, monkeypatch):
    from cadresim import safety

    (tmp_path / "org.csv").write_text("source,target\n" + "a,b\n" * 20_000)  # 80 KB
    monkeypatch.setattr(safety, "machine_memory", lambda: 2 * 64 * 64 * 1024)  # cap 64 KiB
    with pytest.raises(ConfigError, match="may be at most 0 MiB"):
        load_organisation(NetworkConfig(kind="file", path=str(tmp_path / "org.csv")))
    monkeypatch.setattr(safety, "machine_memory", lambda: 2 * 64 * 128 * 1024)  # 128 KiB
    assert load_organisation(NetworkConfig(kind="file", path=str(tmp_path / "org.csv"))).size == 2


@pytest.mark.parametrize("kind", ["compare_regimes", "crackdown"])
def test_a_bad_org_chart_stops_an_experiment_before_any_run(tmp_path, inproc, kind):
    (tmp_path / "org.csv").write_text("source,target,relation\na,b,reports_to\nb,a,reports_to\n")
    out = inproc(
        f"experiment={kind}", "network=file", "network.path=org.csv", "steps=12",
        "experiment.replications=2", "experiment.executor=serial", "experiment.progress=none",
        "policy.schedule=[{start:3,end:6,regime:strict_accountability}]",
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cadresim: error: network.path: org.csv: ")
    assert "reports_to cycle" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.csv"]  # no results folder
