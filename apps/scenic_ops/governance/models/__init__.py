from .budgets import Budget, BudgetEntry, BudgetVariance, Category
from .privacy import DataClass, DataRequest, DestructionLog, PersonalDataExport, RetentionPolicy
from .security import Control, ControlResult, Layer, ReviewCycle, RiskReview
from .training import Enrolment, Programme, Session, TrainingCertificate, TrainingCompliance

__all__ = [
    "Budget",
    "BudgetEntry",
    "BudgetVariance",
    "Category",
    "Control",
    "DataClass",
    "DataRequest",
    "DestructionLog",
    "RetentionPolicy",
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
