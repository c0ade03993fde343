"""The reliability check of issue 16: 10,000 rows against a local server where 20% of the first
calls fail (HTTP 500, 429, garbage, a timeout, a dropped connection) end with every row
reviewed and nothing lost; a run killed halfway and run again repeats no answered call."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_csv

from kpkclassify.reader.testing import Fault, ProtocolServer
from kpkclassify.workflows.review import review_file

ROOT = Path(__file__).resolve().parent.parent
ROWS = 10_000


def _texts() -> list[str]:
    with open(ROOT / "datasets" / "train.csv", newline="", encoding="utf-8") as handle:
        texts = list(dict.fromkeys(row["text"] for row in csv.DictReader(handle)))
    assert len(texts) >= ROWS
    return texts[:ROWS]


@pytest.mark.slow
def test_ten_thousand_rows_through_failing_first_calls_and_a_kill(tmp_path, model_path):
    texts = _texts()
    src = tmp_path / "in.csv"
    with open(src, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([[f"r{i}", text] for i, text in enumerate(texts)])
    # of the 20%: 4% HTTP 500, 4% 429, 6% garbage, 4% dropped connections, 2% answers too slow (a timeout)
    kinds = ["500", "500", "429", "429", "garbage", "garbage", "garbage", "drop", "drop", "slow"]
    first_calls: set[str] = set()
    failed_first: list[str] = []

    def faults(number: int, text: str, body: dict) -> Fault | None:
        if text in first_calls:
            return None
        first_calls.add(text)
        digest = int(hashlib.sha1(text.encode()).hexdigest(), 16)
        if digest % 5:
            return None
        failed_first.append(text)
        return Fault(kinds[digest // 5 % len(kinds)], seconds=1.0, retry_after=0)

    cache = tmp_path / "cache.sqlite3"
    out = tmp_path / "out.csv"
    with ProtocolServer(lambda text: {"labels": ["slow_service"] if "lama" in text else [], "reason": "r"},
                        faults=faults) as server:
        command = [sys.executable, "-m", "kpkclassify", "review", str(src), "-o", str(out), "--endpoint", server.url,
                   "--reader-model", "sim", "-m", str(model_path), "--share", "1", "--cache", str(cache),
                   "--concurrency", "16", "--timeout", "0.5", "--backoff", "0.01", "-q"]
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
        deadline = time.monotonic() + 120
        while sum(server.answered.values()) < ROWS // 2 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGTERM)  # what systemd, a closed terminal or Ctrl-C (SIGINT) do
        _, stderr = child.communicate(timeout=30)
        assert child.returncode == 130, stderr
        assert not out.exists()  # no half-written output
        answered_before = sum(server.answered.values())
        assert 0 < answered_before < ROWS  # killed halfway: about half answered

        summary = review_file(src, out, reader_model="sim", endpoint=server.url, model=model_path, share=1.0,
                              cache=cache, concurrency=16, timeout=0.5, backoff=0.01)
    assert summary.ok == ROWS and summary.failed == 0
    assert summary.from_cache >= answered_before  # every answer received before the kill was kept
    assert len(server.answered) == ROWS and max(server.answered.values()) == 1  # no answered call repeated
    assert 0.18 * ROWS <= len(failed_first) <= 0.22 * ROWS
    table = read_csv(out)
    assert [row[:2] for row in table[1:]] == [[f"r{i}", text] for i, text in enumerate(texts)]  # nothing lost
    assert all(row[-1] == "ok" and row[-2] == "reviewer" for row in table[1:])
