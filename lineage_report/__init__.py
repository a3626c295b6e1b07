"""lineage-report: turn the lineage manifests of ML and data runs into a static website."""

from .errors import LineageReportError
from .lineage import ArtifactVersion, Lineage, Run, load
from .sdk import Artifact, SDKError, UsedArtifact, init

__version__ = "0.1.0"
__all__ = [
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
