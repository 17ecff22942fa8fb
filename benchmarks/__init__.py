"""Benchmark scripts and the synthetic population (never timed unit tests: see docs/performance.md)."""
