#!/usr/bin/env python3
"""Run the SynapseAI skill's command line straight from the skill folder.

Needs only httpx and rapidfuzz: the package next to this script is put first on the
import path, so nothing has to be installed (as after `clawhub install`).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synapse_skill.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
