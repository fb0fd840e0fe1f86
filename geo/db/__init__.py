"""Storage: the tables (models.py, the only module defining tables), column types that behave alike on both
backends, schema and Alembic migrations, the dialect modules (one per backend, same function names), the
Database handle, and SQL building blocks shared by read and usecases (scope, sql).

May import: SQLAlchemy, geo.domain, geo.config, geo.db.
"""
