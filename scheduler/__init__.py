"""scheduler: runs the cycle on a schedule as a background service (issue #7)."""
