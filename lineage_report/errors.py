"""The one exception base for problems a user can fix; the CLI prints these without a traceback."""


class LineageReportError(Exception):
    """An error caused by the user's input or settings, not by a bug."""


class ConfigError(LineageReportError):
    """The project's `lineage-report.toml` (or a command-line option) is not usable."""


class BuildError(LineageReportError):
    """The site could not be built (a template failed, an output path clashed, ...)."""
