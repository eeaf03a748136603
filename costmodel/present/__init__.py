"""The results in words, tables and charts: text, JSON, CSV, comparisons, Altair charts (see README.md)."""
