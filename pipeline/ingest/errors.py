"""The error every reader raises for a file that cannot become usable text."""

from __future__ import annotations


class UnreadableFile(Exception):
    """A file that cannot be turned into usable text; ``reason`` is a short code for reports."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # picklable across the parser guard's pipe
        return (UnreadableFile, (self.reason, str(self)))
