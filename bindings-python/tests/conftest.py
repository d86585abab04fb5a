"""Shared paths for the tests."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture
def sample() -> pathlib.Path:
    return ROOT / "examples" / "data" / "monthly"


@pytest.fixture
def fixtures() -> pathlib.Path:
    return ROOT / "tests" / "fixtures"
