"""The water plan as an optimisation model: the PuLP model and its HiGHS engine, reasons,
decomposition, the priority score, comparisons, revision and plan versions. Imports only
``core`` and ``data``."""
