"""Import the files people really have: village needs, committee stages, proposals and
quarterly progress, from XLSX or CSV.

``import_files(paths, db_path)`` checks the paths first (nothing is imported when one is
wrong), reads each file, finds its header row (below title rows and merged cells), tells
the kind from the headers (:data:`oneplan.data.templates.KINDS`), reads every row with the
column specs, checks references against the database and the province of the file, and
loads the accepted rows in one transaction per file. Rows that fail are never dropped:
they are written, in template layout and with their reasons, to ``<name>.rejected.xlsx``
which the user fixes and imports again. Every import keeps ``accepted + rejected == rows
read`` per sheet, and ``rows in the file == accepted + rejected + skipped`` per file, each
skipped row with its reason.

The steps, one module each: :mod:`~oneplan.data.ingest.read` (files into grids, header
detection) with :mod:`~oneplan.data.ingest.xlsx` (workbooks streamed in bounded memory),
:mod:`~oneplan.data.ingest.csvtext` (encodings, quotes and NULs line by line) and
:mod:`~oneplan.data.ingest.grid`, :mod:`~oneplan.data.ingest.sheets` (which sheets are
data), :mod:`~oneplan.data.ingest.parse` (one cell into a value),
:mod:`~oneplan.data.ingest.check` (rows, references, problems),
:mod:`~oneplan.data.ingest.provinces` (the province of a file),
:mod:`~oneplan.data.ingest.load` (writing to the database),
:mod:`~oneplan.data.ingest.rejects` (the rejects file), :mod:`~oneplan.data.ingest.run`
(the import of files and folders) and :mod:`~oneplan.data.ingest.summary` (what is
printed); bad input raises or records the :mod:`~oneplan.data.ingest.errors`
(``UserError`` subclasses). Every message is in both languages
(:mod:`~oneplan.data.ingest.messages`, ``lib/oneplan/data/text/ingest.yml``). This module
names what the rest of the project uses.

Decisions (see ``docs/import.md``):

* Unknown columns are a **warning** (people add remark columns); they are ignored, but kept
  in the rejects file so nothing typed is lost. A missing *required* column rejects every
  row with that reason (the rejects file then has the column, to fill in).
* Rows whose key appears more than once in a file are **all** rejected: the importer does
  not guess which copy is right.
* Re-importing: a row whose key is in the database with the same content hash is
  ``unchanged`` (nothing is written, its source stays the first file); changed content is
  ``updated`` (only the columns present in the file are written). Columns other modules own
  (``needs.stage``, ``authority``, ``proposals.status`` when blank) are not overwritten.
* Fiscal years must be พ.ศ.; a ค.ศ.-looking year (2027) is rejected with the พ.ศ. it would
  be, not converted. Two-digit years (15/03/67) are rejected as ambiguous. Excel date cells
  whose year is 2400 or more are พ.ศ. typed into a ค.ศ. cell and are converted (−543).
* CSV files must be UTF-8 (with or without BOM), UTF-16 or TIS-620/cp874; text that
  decodes but looks like mojibake is an error, never loaded.
* A file is of one province unless imported as multi-province by design; keys are
  normalised (NFKC, format characters removed); numbers must be finite and in range;
  formulas without a calculated value are rejected per cell.
"""

from __future__ import annotations

from oneplan.data.ingest.check import Problem
from oneplan.data.ingest.errors import (
    ImportFileError,
    ImportPathError,
    IngestError,
    RejectsDirError,
)
from oneplan.data.ingest.load import SheetResult, row_hash
from oneplan.data.ingest.read import (
    HEADER_SEARCH_ROWS,
    MIN_HEADER_MATCHES,
    decode_csv,
    detect_header,
    is_header_row,
    match_header,
    read_grids,
)
from oneplan.data.ingest.rejects import rejects_path, write_rejects
from oneplan.data.ingest.run import (
    FileResult,
    check_rejects_dir,
    expand_paths,
    import_file,
    import_files,
)
from oneplan.data.ingest.sheets import SkippedSheet
from oneplan.data.ingest.summary import accounting, summary_lines

__all__ = [
    "HEADER_SEARCH_ROWS", "MIN_HEADER_MATCHES", "FileResult", "ImportFileError",
    "ImportPathError", "IngestError", "Problem", "RejectsDirError", "SheetResult",
    "SkippedSheet", "accounting", "check_rejects_dir", "decode_csv", "detect_header",
    "expand_paths", "import_file", "import_files", "is_header_row", "match_header",
    "read_grids", "rejects_path", "row_hash", "summary_lines", "write_rejects",
]
