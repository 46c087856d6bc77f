"""Dashboard pages and their CSV exports: each view asks a rule book first."""
