"""ruff (configured in pyproject.toml) is clean over the whole project."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_is_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "bot", "handlers", "tests"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
