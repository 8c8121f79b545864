"""monitor: compares years, departments and each document's own figures, and raises alerts.

Entry point: ``monitor.evaluate(session, now=..., settings=...)``; the rules
are the explicit list in ``monitor.rules``.  Alerts are written through
``storage.monitoring.upsert_alert`` only.
"""

from monitor.evaluate import evaluate
from monitor.report import AlertView, MonitorReport

__all__ = ["AlertView", "MonitorReport", "evaluate"]
