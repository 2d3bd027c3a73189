"""Test-data generators written apart from the project's own sample generator, to measure
the complaint linkage on data it was not tuned on. Everything they write is synthetic."""
