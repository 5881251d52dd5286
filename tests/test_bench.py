"""`python -m bot bench` as a subprocess, small: it reports what it says it measures (cold vector
builds computed into an empty cache, each run counted, the load average beside each timing).
Timings are printed for people, never asserted here."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from bot.meaning import LARGE_PACK
from conftest import ROOT, run_cli


def test_bench_reports_cold_and_cached_builds_with_the_load_beside_them():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    out = subprocess.run([sys.executable, "-m", "bot", "bench", "--entries", str(LARGE_PACK + 1),
                          "--queries", "40", "--cold-builds", "2"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    cold = re.search(r"meaning vectors, cold: (\d+) texts, median [\d.]+ s \(min [\d.]+, max [\d.]+, 2 runs\) "
                     r"\[load [\d.]+\]", text)
    assert cold and int(cold.group(1)) == LARGE_PACK + 1, text   # one brief text per entry
    assert re.search(r"cached build \(word index \+ cached vectors\): [\d.]+ s .*3 runs\)\) \[load", text), text
    assert re.search(rf"synthetic pack \({LARGE_PACK + 1}\) \[load [\d.]+\]: p50 [\d.]+ ms  p95", text), text
    assert re.search(r"peak RSS: \d+ MB", text) and "fresh process: median" in text
    assert re.search(r"40,000-character messages \(7 shapes\): slowest whole reply \d+ ms \[load", text), text


def test_bench_help_says_it_runs_for_minutes():
    """The admin hunt: `bench --help` didn't say that it runs for minutes (about 3, measured)."""
    out = run_cli("bench", "--help")
    assert out.returncode == 0 and "It runs for minutes: about 3 on a 2-core machine" in " ".join(out.stdout.split())
