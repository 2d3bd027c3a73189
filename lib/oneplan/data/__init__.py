"""The central database (DuckDB file; schema in ``schema.sql``), run parameters, the Excel
import templates and the import of the files people really have. Imports only ``core``."""
