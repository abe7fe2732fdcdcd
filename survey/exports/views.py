"""Download endpoints for the merged dataset (owned by the exports work)."""
