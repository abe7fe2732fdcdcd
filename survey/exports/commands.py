from flask import Flask


def register(app: Flask) -> None:
    """CLI commands for exports and imports are added here."""
