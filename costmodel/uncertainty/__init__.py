"""Ranged inputs: tornado, switching values, rate and optimism sensitivity, Monte Carlo (see README.md)."""
