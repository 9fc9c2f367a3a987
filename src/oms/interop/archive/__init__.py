"""The full archive: every record of every enabled module in one versioned JSON-lines file.

``archive_export(path=...)`` writes it (``oms export --all FILE``); ``archive_import(path=...)``
loads it into an empty database (``oms import --all FILE``). The format is described in
docs/export.md.
"""

from oms.interop.archive.errors import ArchiveError
from oms.interop.archive.fileformat import FORMAT_NAME, FORMAT_VERSION
from oms.interop.archive.reader import archive_import
from oms.interop.archive.writer import ArchiveSummary, archive_export

__all__ = ["ArchiveError", "ArchiveSummary", "FORMAT_NAME", "FORMAT_VERSION", "archive_export", "archive_import"]
