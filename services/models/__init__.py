from config.recomputation import RecomputationKind, RecomputationStatus  # noqa: F401

from .catalogue import (
    Channel,
    ChannelCode,
    CostUnitClass,
    LifeSituation,
    Service,
    ServiceChannel,
    ServiceKind,
    ServiceLevel,
    ServiceStatus,
    ServiceTemplate,
)
from .figures import (
    CostComponent,
    FigureSubmission,
    PeriodType,
    ServiceCost,
    ServiceFigure,
    SubmissionStatus,
)
from .costing import (  # noqa: F401
    CostFigure,
    CostParameters,
    CostRecomputation,
    MissingReason,
)
from .imports import BulkImport, ImportKind, ImportStatus  # noqa: F401

__all__ = [
    "Channel",
    "ChannelCode",
    "CostComponent",
    "CostUnitClass",
    "FigureSubmission",
    "LifeSituation",
    "PeriodType",
    "Service",
    "ServiceChannel",
    "ServiceCost",
    "ServiceFigure",
    "ServiceKind",
    "ServiceLevel",
    "ServiceStatus",
    "ServiceTemplate",
    "SubmissionStatus",
]
