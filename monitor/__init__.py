"""monitor: compares years and departments and raises alerts (issue #5)."""
