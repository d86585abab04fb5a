"""The type stubs match the native module (mypy's stubtest), and the package type-checks."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "python" / "conmon"


def test_stubs_match_the_native_module() -> None:
    pytest.importorskip("mypy")
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "conmon._conmon"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_package_is_typed_and_type_checks() -> None:
    pytest.importorskip("mypy")
    import conmon

    installed = pathlib.Path(conmon.__file__).parent
    assert (installed / "py.typed").is_file()
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", str(PACKAGE)],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
    )
    assert out.returncode == 0, out.stdout + out.stderr
