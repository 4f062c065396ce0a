"""`seein bench live`: real trainer and follower processes; the figures it prints are measured."""

from __future__ import annotations

import json

from seein.cli import main


def test_bench_live_measures_both_kinds_of_run(tmp_path, capsys):
    out = tmp_path / "live.json"
    assert main(["bench", "live", "--epochs", "1", "--limit", "256", "--every", "2", "--sample", "20",
                 "--repeats", "1", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "followed / alone" in text and "latency" in text
    result = json.loads(out.read_text())
    assert result["steps_per_s_alone"] > 0 and result["steps_per_s_followed"] > 0
    assert result["runs"]["followed"][0]["snapshots"] == 3  # steps 0, 2, 4 (256 images / 64 a batch)
    assert len(result["runs"]["followed"][0]["latency_s"]) >= 1
