"""Imports of official and hand-made data: one service for the CLI and the admin page.

Formats: `annuaire` (Annuaire de l'éducation), `qpv` (ANCT listeqp2024), `qpv-outlines` (GeoJSON) and
`structures` (our documented CSV template), one module each; `run.run_import` is the entry point. Each import
reads the whole file, checks the header, then each row (rejecting bad rows with their line number and reason),
then queues everything it writes in `workshop.writes.Writes`, which writes it at the end in one short window
(on SQLite, where every board's cards wait for the one writer, staged first where it locks nothing), and returns
an `ImportReport`.
"""
