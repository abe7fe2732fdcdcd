"""Translation of open answers by the working group (owned by the translations work)."""
