"""Smoke test of the benchmark harness (imfilt._bench) on a tiny image."""
import json

import pytest

import cv2  # noqa: F401  (the test extra installs it; CI must never skip)


def test_bench_quick_mean_json(tmp_path, capsys):
    from imfilt import _bench

    out = tmp_path / "bench.json"
    rc = _bench.main(["--quick", "--rounds", "2", "--filter", "mean", "--sizes", "64x48,33x17",
                      "--threads", "1,all", "--json", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "ratio" in printed and "mean_3" in printed

    doc = json.loads(out.read_text())
    meta, rows = doc["metadata"], doc["rows"]
    assert meta["cv2_version"] and meta["cpu_count"] >= 1 and "isa_active" in meta["imfilt_config"]
    assert {r["case"] for r in rows} == {"mean_3", "mean_5", "mean_31"}
    assert len(rows) == 3 * 2 * 2
    for r in rows:
        assert r["agree"] is True and r["check"] == "exact" and r["max_abs_diff"] == 0
        assert r["ratio"] > 0 and r["imfilt_best_ms"] > 0 and r["cv2_best_ms"] > 0
        assert r["copy_best_ms"] is not None
        assert r["imfilt_best_ms"] <= r["imfilt_median_ms"]
    assert all(r["imfilt_speedup"] is not None for r in rows if r["threads"] == "all")


def test_bench_rejects_unknown_case(capsys):
    from imfilt import _bench

    assert _bench.main(["--filter", "no_such_case"]) == 2
