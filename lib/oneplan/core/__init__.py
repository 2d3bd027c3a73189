"""What every part needs and that knows nothing of the project's data: the Thai locale,
areas, vocabularies, paths, files, the personal-data scan, fonts and the text catalogue.
Imports nothing else of the project (``docs/architecture.md``)."""
