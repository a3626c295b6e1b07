"""Benchmark harness: a project generator, the jinja2 floor, and a runner (see README.md)."""
