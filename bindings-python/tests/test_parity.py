"""Parity: the Python API gives exactly the core's output on the shared fixtures (the same
expected JSON the Rust tests check)."""

from __future__ import annotations

import json
import pathlib

import conmon


def _canonical(value: object) -> object:
    """Python values back to the engine's JSON (dates as ISO strings, UTC as Z)."""
    return json.loads(json.dumps(conmon._encode(value)))


def test_clock_cases(fixtures: pathlib.Path) -> None:
    cases = json.loads((fixtures / "clock" / "cases.json").read_text())
    assert len(cases) >= 4
    for case in cases:
        items = json.loads((fixtures / "clock" / case["input"]).read_text())
        spec = case["policy"]
        policy = conmon.Policy.from_file(fixtures / "clock" / spec) if spec.endswith((".toml", ".json")) else conmon.Policy.preset(spec)
        poam = conmon.Poam.from_items(items) if isinstance(items, list) else conmon.Poam.from_dict(items)
        actual = _canonical(conmon.clocks(poam, as_of=case["as_of"], policy=policy))
        expected = json.loads((fixtures / "clock" / case["expected"]).read_text())
        assert actual == expected, case["name"]


def test_monthly_sample(fixtures: pathlib.Path, sample: pathlib.Path) -> None:
    policy = conmon.Policy.from_file(sample / "policy.toml")
    previous = None
    for month, as_of in [("2026-02", "2026-02-13"), ("2026-03", "2026-03-13")]:
        r = conmon.reconcile(
            previous,
            conmon.read_scans(sample / month / "os-web-db.nessus"),
            as_of=as_of,
            policy=policy,
            deviations=sample / "deviations.json",
            kev=sample / "kev.json",
        )
        actual = _canonical({"poam": r.poam.to_dict(), "changes": r.changes, "not_observed": r.not_observed})
        expected = json.loads((fixtures / "monthly" / f"{month}.expected.json").read_text())
        assert actual == expected, month
        previous = r.poam
