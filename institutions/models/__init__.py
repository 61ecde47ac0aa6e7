from .geography import (
    DevelopmentTier,
    Municipality,
    MunicipalityKind,
    MunicipalityPopulation,
    PlanningRegion,
)
from .registry import ExclusionCategory, Institution, InstitutionGroup, InstitutionType

__all__ = [
    "DevelopmentTier",
    "ExclusionCategory",
    "Institution",
    "InstitutionGroup",
    "InstitutionType",
    "Municipality",
    "MunicipalityKind",
    "MunicipalityPopulation",
    "PlanningRegion",
]
