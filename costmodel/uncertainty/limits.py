"""Documented limits and defaults, kept in a module with no imports so the CLI can build its help fast."""

DEFAULT_DRAWS = 10_000
"""Monte Carlo draws when none are asked for."""
MAX_DRAWS = 1_000_000
"""Most Monte Carlo draws accepted in one run (about 40 MB of results per 1,000,000 draws and agency)."""
DEFAULT_SEED = 20_240_601
"""Seed of the Monte Carlo when none is given: the same seed gives identical output."""
TARGET_BLOCK = 10_000
"""Draws per block when the Monte Carlo runs to a target standard error (``simulate --target-error``)."""

