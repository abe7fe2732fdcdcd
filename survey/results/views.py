"""Dashboard pages for the working group (owned by the results work)."""
