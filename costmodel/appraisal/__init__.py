"""The Ten Year Test of one scenario: discounting, the engine, the verdict and their chain (see README.md)."""
