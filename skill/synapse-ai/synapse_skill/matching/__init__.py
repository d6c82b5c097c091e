"""The matcher, shared by the server and the skill: extract, normalise, score, index, match.

Imports nothing of the agent side (hooks, client, CLI)."""
