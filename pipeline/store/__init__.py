"""The catalog: schema, queries and migrations."""
