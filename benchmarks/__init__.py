"""Benchmarks, and the seeded generator of realistic CloudTrail archives (``generate``)."""
