"""Fixtures of the service tests: a movable clock and a database of each kind."""

from tests.service_fixtures import clock, database_url, postgres_server, postgres_url

__all__ = ["clock", "database_url", "postgres_server", "postgres_url"]
