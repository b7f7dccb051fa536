"""Imports of official and hand-made data: one service for the CLI and the admin page.

Formats: `annuaire` (Annuaire de l'éducation), `qpv` (ANCT listeqp2024), `qpv-outlines` (GeoJSON) and
`structures` (our documented CSV template), one module each; `run.run_import` is the entry point. Each import
reads the whole file, checks the header, then each row (rejecting bad rows with their line number and reason),
writes everything with bulk statements, and returns an `ImportReport`.
"""
