"""lineage-report: turn the lineage manifests of ML and data runs into a static website."""

from .errors import LineageReportError
from .lineage import ArtifactVersion, Lineage, Run
from .load import load
from .sdk import ActiveRun, Artifact, SDKError, UsedArtifact, init
from .version import __version__

__all__ = [
    "ActiveRun",
    "Artifact",
    "ArtifactVersion",
    "Lineage",
    "LineageReportError",
    "Run",
    "SDKError",
    "UsedArtifact",
    "__version__",
    "init",
    "load",
]
