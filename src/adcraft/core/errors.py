"""Errors a user can cause. The CLI turns them into one line and exit code 2, the API into a 4xx."""


class AdcraftError(Exception):
    """Base class for every error adcraft raises on purpose."""


class InputError(AdcraftError):
    """Bad input from the user: a file, a flag, a brief, a config. The message names the input and the fix."""
