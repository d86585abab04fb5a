"""The hostile-input suite through Python: every case of tests/fixtures/hostile/cases.json (the
same files and expectations as the Rust suite) raises a ConmonError subclass with the core's code,
a message naming the problem and a location naming the file, quickly and without a memory spike."""

from __future__ import annotations

import json
import pathlib
import resource
import time
from typing import Any, Callable

import pytest

import conmon

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
CASES: list[dict[str, Any]] = json.loads((HOSTILE / "cases.json").read_text())

READERS: dict[str, Callable[[pathlib.Path], object]] = {
    "scan": conmon.read_scans,
    "poam": conmon.Poam.read,
    "policy": conmon.Policy.from_file,
}


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_the_suite_is_complete() -> None:
    assert len(CASES) >= 15
    assert {c["reader"] for c in CASES} == set(READERS)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_hostile_input_gives_a_clear_error(case: dict[str, Any]) -> None:
    path = HOSTILE / case["file"]
    before = _peak_rss_mb()
    start = time.monotonic()
    with pytest.raises(conmon.ConmonError) as info:
        READERS[case["reader"]](path)
    took = time.monotonic() - start
    e = info.value
    assert e.code == case["code"], str(e)
    assert case["contains"] in str(e)
    assert e.location["file"] == str(path), e.location
    assert any(e.location.get(k) is not None for k in ("line", "row", "field")), e.location
    assert "root:" not in str(e)
    assert took < 5, took
    # Bounded memory: the process's peak grows by far less than what the input declares
    # (2 GiB, 10^9 entity copies, 128 MiB of zip bomb).
    assert _peak_rss_mb() - before < 256


@pytest.mark.parametrize("case", [c for c in CASES if c["reader"] == "scan"], ids=lambda c: c["file"])
def test_hostile_scan_bytes_give_the_same_error(case: dict[str, Any]) -> None:
    data = (HOSTILE / case["file"]).read_bytes()
    with pytest.raises(conmon.ConmonError) as info:
        conmon.read_scans(data, label=case["file"])
    assert info.value.code == case["code"]
    assert info.value.location["file"] == case["file"]
