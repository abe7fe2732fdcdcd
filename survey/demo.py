from flask import Flask


def register(app: Flask) -> None:
    """The seed-demo command is added here."""
