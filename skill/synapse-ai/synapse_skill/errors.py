"""Every error the skill raises to a caller (it raises none into a host program).

SynapseError
 ├── ServerError        the server was unreachable, too slow, or answered badly
 │    └── NotFound      the server has no such solution
 └── SnapshotError      no usable offline snapshot (missing, wrong version, bad checksum)
"""

from __future__ import annotations


class SynapseError(Exception):
    """Base class of the skill's own errors."""


class ServerError(SynapseError):
    """The server could not answer within the time budget, or answered with an error."""


class NotFound(ServerError):
    """The server answered 404 for a solution."""


class SnapshotError(SynapseError):
    """A snapshot could not be used; the message says why."""
