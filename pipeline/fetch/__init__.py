"""Fetching: the guarded HTTP client, robots.txt and politeness."""
