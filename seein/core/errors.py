"""The one error type users see: a clear, one-line message naming the file and the problem."""

from __future__ import annotations

import os


class SeeinError(Exception):
    """A problem with the user's input, reported as one line (exit code 2 on the CLI).

    Parameters
    ----------
    message : str
        What is wrong, in words a user can act on.
    path : str or os.PathLike, optional
        The file or folder the problem is in; it is put first in the message.
    """

    def __init__(self, message: str, path: str | os.PathLike | None = None):
        self.path = None if path is None else os.fspath(path)
        self.problem = message
        super().__init__(f"{self.path}: {message}" if self.path else message)


class Cancelled(Exception):
    """Raised when a long computation is cancelled through its progress callback."""
