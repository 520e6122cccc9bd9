"""Access to the running application's :class:`~consult.config.Settings`."""

from flask import current_app

from consult.config import Settings


def current_settings() -> Settings:
    """The settings of the application handling the current request or CLI command."""
    settings: Settings = current_app.config["CONSULT"]
    return settings
