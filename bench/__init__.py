"""Benchmarks: `make bench` runs every area side by side with its reference tools."""
