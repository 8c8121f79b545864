"""alerts: delivers alerts by email and webhooks through an outbox (issue #6)."""
