"""The native module builds, imports and reports the engine version of the workspace."""

import pathlib
import re

import conmon


def test_engine_version_matches_workspace() -> None:
    cargo = pathlib.Path(__file__).resolve().parents[2] / "Cargo.toml"
    match = re.search(r'^version = "([^"]+)"', cargo.read_text(), re.MULTILINE)
    assert match is not None
    assert conmon.engine_version() == match.group(1)
    assert conmon.__version__ == match.group(1)
