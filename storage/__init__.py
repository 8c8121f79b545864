"""Storage: the database schema, its migrations, and the queries the other stages use.

Build a session factory from configuration at start-up (``storage.db.session_factory``),
migrate with ``storage.db.upgrade``, and read or write through ``storage.repository``.
Nothing is imported here, so ``storage.errors`` stays cheap for every stage.
"""
