"""``seein bench extract``: the extraction benchmark reports its ratio against a plain forward pass."""

from __future__ import annotations

import json

from seein.cli import main


def test_bench_extract_reports_the_ratio(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "extract", "--limit", "64", "--batch-size", "32", "--repeats", "3",
                 "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    ratio = result["ratios"]["extract_vs_forward"]
    forward, ours = result["results"]["forward"], result["results"]["extract"]
    fastest = max(forward["images_per_s"], result["results"]["forward_same_setup"]["images_per_s"])
    assert ratio == ours["images_per_s"] / fastest and 0 < ratio < 20
    assert result["ratios"]["extract_vs_forward_default"] == ours["images_per_s"] / forward["images_per_s"]
    assert 0 < result["ratios"]["extract_vs_forward_same_setup"] < 20
    assert len(forward["seconds"]) == len(ours["seconds"]) == 3 and ours["bytes"] > 64 * 19410 * 2
    disk = result["results"]["disk_write"]
    assert disk["bytes"] == ours["bytes"] and len(disk["seconds"]) == 3 and disk["mb_per_s"] > 0
    assert result["ratios"]["write_vs_disk"] == ours["mb_per_s"] / disk["mb_per_s"]
    printed = capsys.readouterr().out
    assert result["config"]["images"] == 64 and "extract_vs_forward" in printed
    assert "write_vs_disk" in printed and "the limit" in printed
    # the bare pass "as extraction" runs on the threads extraction uses: all of them with direct I/O
    config = result["config"]
    assert isinstance(config["direct_io"], bool) and config["writes"] in ("writer thread", "in line")
    assert ("direct I/O, writer thread" in printed) == config["direct_io"]
    if config["direct_io"]:
        assert config["extract_torch_threads"] == config["threads"] and config["writes"] == "writer thread"
