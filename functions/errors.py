"""Every error the functions raise on purpose, split by what the event source must do.

- :class:`PermanentError`: retrying the same input cannot help. The event is
  acknowledged; where there is a segment, it is written ``status: failed``
  with the reason (a backfill can redo it once the cause is fixed).
- :class:`TransientError`: a dependency did not answer (model service down,
  quota). The function answers 5xx and the event is delivered again.

Any other exception (a Firestore or bucket client error) is treated as
transient too: the safe default is to be asked again.
"""

from __future__ import annotations


class AnalysisError(Exception):
    """Root of the functions' own errors."""


class PermanentError(AnalysisError):
    """Acknowledge: the same input will fail the same way."""


class TransientError(AnalysisError):
    """Redeliver: a later attempt can succeed."""


class MalformedEvent(PermanentError, ValueError):
    """The request is not any event shape we know."""


class MediaError(PermanentError):
    """The segment cannot be decoded (empty, truncated, not video)."""


class BackendRejected(PermanentError):
    """The model backend refused these frames (4xx): the segment fails with the reason."""


class BackendUnavailable(TransientError):
    """The model backend did not answer usefully; retry the segment later."""


class StreamGone(PermanentError):
    """The segment's stream was deleted: nothing is written (it stays deleted)."""


class BackfillError(PermanentError, ValueError):
    """A backfill request cannot be planned (bad range, too many segments, nothing stored)."""
