"""delta-spark's ``delta.exceptions``: the exceptions of Delta's optimistic concurrency, raised when a write's commit
conflicts with one another writer made first (``from delta.exceptions import ConcurrentAppendException`` ports as
``from ember.delta.exceptions import …``). The engine raises them for Delta's ``DELTA_CONCURRENT_*`` /
``DELTA_METADATA_CHANGED`` / ``DELTA_PROTOCOL_CHANGED`` error classes; they carry the error class and message as
every ember exception does.
"""
from ember.errors import PySparkException

__all__ = [
    "DeltaConcurrentModificationException",
    "ConcurrentWriteException",
    "MetadataChangedException",
    "ProtocolChangedException",
    "ConcurrentAppendException",
    "ConcurrentDeleteReadException",
    "ConcurrentDeleteDeleteException",
    "ConcurrentTransactionException",
]


class DeltaConcurrentModificationException(PySparkException):
    """The base of Delta's concurrent-modification exceptions."""


class ConcurrentWriteException(DeltaConcurrentModificationException):
    """A concurrent transaction wrote data after this one read the table."""


class MetadataChangedException(DeltaConcurrentModificationException):
    """A concurrent transaction changed the table's metadata."""


class ProtocolChangedException(DeltaConcurrentModificationException):
    """A concurrent transaction changed the table's protocol (or created the table)."""


class ConcurrentAppendException(DeltaConcurrentModificationException):
    """A concurrent transaction added files this one would have read."""


class ConcurrentDeleteReadException(DeltaConcurrentModificationException):
    """A concurrent transaction deleted a file this one read."""


class ConcurrentDeleteDeleteException(DeltaConcurrentModificationException):
    """A concurrent transaction deleted a file this one deletes."""


class ConcurrentTransactionException(DeltaConcurrentModificationException):
    """A concurrent query with the same ``txnAppId`` committed first."""
