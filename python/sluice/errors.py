"""The exceptions sluice raises: one class per error code of the C library (sl_error_code).

Each carries the library's code (``.code``, a negative int) and its one-line message
(``.message``, which never holds a password). Where a Python built-in exception means the same
thing, the class derives from it too, so ``except ConnectionError`` catches a refused source.
"""


class SluiceError(Exception):
    """Base of every error sluice raises. ``code`` is the C library's SL_E... value."""

    code = -1

    def __init__(self, message, code=None):
        Exception.__init__(self, message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return self.message


class LibraryNotFoundError(SluiceError, ImportError):
    """libsluice.so could not be loaded."""


class InvalidArgumentError(SluiceError, ValueError):
    code = -2


class OutOfMemoryError(SluiceError, MemoryError):
    code = -3


class InvalidURLError(InvalidArgumentError):
    code = -4


class SourceConnectionError(SluiceError, ConnectionError):
    code = -5


class AuthenticationError(SourceConnectionError):
    code = -6


class NotFoundError(SluiceError, LookupError):
    code = -7


class SourceError(SluiceError):
    code = -8


class DestinationError(SluiceError):
    code = -9


class StateError(SluiceError):
    code = -10


class ValueTypeError(SluiceError, TypeError):
    code = -11


class PipelineLockedError(SluiceError):
    code = -12


class UnsupportedError(SluiceError):
    code = -13


class SluiceIOError(SluiceError):
    code = -14


class InterruptedRunError(SluiceError):
    """A run stopped by sl_pipeline_interrupt from elsewhere; Ctrl-C raises KeyboardInterrupt."""
    code = -15


class MissingCursorError(SluiceError):
    code = -16


class PipelineStepFailed(SluiceError):
    """A run in which some tables failed while the others loaded (dlt's PipelineStepFailed).
    ``load_info`` holds every table's outcome; ``code`` and the message are the first failure's."""

    def __init__(self, message, code, load_info):
        SluiceError.__init__(self, message, code)
        self.load_info = load_info


_BY_CODE = {cls.code: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, InvalidURLError, SourceConnectionError,
    AuthenticationError, NotFoundError, SourceError, DestinationError, StateError,
    ValueTypeError, PipelineLockedError, UnsupportedError, SluiceIOError,
    InterruptedRunError, MissingCursorError)}


def from_code(code, message):
    """The exception instance for an sl_error_code and its message."""
    return _BY_CODE.get(code, SluiceError)(message, code)
