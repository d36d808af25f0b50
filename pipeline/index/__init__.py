"""Search: the Elasticsearch projection (versioned indices behind aliases, fed from the catalog's outbox)
and the embedded SQLite FTS5 index used when no Elasticsearch is configured."""
