"""The import's errors a user can fix (:class:`oneplan.core.errors.UserError`, exit 2):
a file that cannot be read at all (kept in its result, the other files go on), and the
paths of the command checked before anything is imported."""

from __future__ import annotations

from oneplan.core.errors import UserError


class IngestError(UserError):
    """Bad input of the import: the message in Thai (``th``) and English (``en``);
    ``str(exc)`` is the one line ``"ไทย / English"``."""

    def __init__(self, th: str, en: str):
        """The error with its two messages."""
        self.th, self.en = th, en
        super().__init__(f"{th} / {en}")


class ImportFileError(IngestError, ValueError):
    """A whole file cannot be read (format, encoding, encryption, size, no data sheet);
    nothing of it is loaded. ``str(exc)`` is ``"<file>: <English>"``.

    Attributes:
        file: the file's name.
        th: the message in Thai; ``en`` the English one.
    """

    def __init__(self, file: str, th: str, en: str):
        """The error of ``file`` with its two messages."""
        super().__init__(th, en)
        self.file = file
        self.args = (f"{file}: {en}",)

    def __str__(self) -> str:
        return f"{self.file}: {self.en}"


class ImportPathError(IngestError):
    """A path given to the import is missing, or a folder without files to import;
    raised before anything is imported."""


class RejectsDirError(IngestError):
    """The folder for the rejects files cannot be used (a file, or its parent is
    missing); raised before anything is imported."""
