"""JSON API (owned by the results work)."""
