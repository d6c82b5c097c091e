"""Fixtures for the reliability scenarios: `own_server` (tests/conftest.py) plus the scenario modules
(workload, faults, hostile), importable by name from this folder."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
