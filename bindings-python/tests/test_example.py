"""The Python example runs on the bundled sample and reports what is late."""

from __future__ import annotations

import pathlib
import subprocess
import sys


def test_monthly_pipeline_example(root: pathlib.Path) -> None:
    out = subprocess.run([sys.executable, str(root / "examples" / "python" / "monthly_pipeline.py")], capture_output=True, text=True)
    # The sample has validation errors (exit 1) by design; it must not crash (exit 2+).
    assert out.returncode == 1, out.stderr
    assert "LATE V-5: due 2021-12-24" in out.stdout, out.stdout
    assert "TRIGGER Non-compliant scanning (DFR): tripped" in out.stdout, out.stdout
    assert "wrote" in out.stdout
