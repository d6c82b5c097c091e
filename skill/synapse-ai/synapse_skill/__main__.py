"""`python -m synapse_skill …` is `synapse-skill …`."""

from synapse_skill.cli import main

raise SystemExit(main())
