from .budgets import Budget, BudgetEntry, BudgetVariance, Category
from .privacy import DataRequest, PersonalDataExport
from .security import Control, ControlResult, Layer, ReviewCycle, RiskReview
from .training import Enrolment, Programme, Session, TrainingCertificate, TrainingCompliance

__all__ = [
    "Budget",
    "BudgetEntry",
    "BudgetVariance",
    "Category",
    "Control",
    "DataRequest",
    "PersonalDataExport",
    "ControlResult",
    "Layer",
    "ReviewCycle",
    "RiskReview",
    "Enrolment",
    "Programme",
    "Session",
    "TrainingCertificate",
    "TrainingCompliance",
]
