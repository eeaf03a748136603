"""Pooled budgets, savings sharing and responsibility charges between budget holders (see README.md)."""
