"""Fixtures of the fault-injection suite (its tools are in tests/fault_tools.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def proc_available():
    if not Path("/proc/self/environ").exists() or os.name != "posix":
        pytest.skip("finding every process of a command needs Linux's /proc and POSIX signals")
