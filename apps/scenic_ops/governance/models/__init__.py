from .budgets import Budget, BudgetEntry, BudgetVariance, Category
from .training import Enrolment, Programme, Session, TrainingCertificate, TrainingCompliance

__all__ = [
    "Budget",
    "BudgetEntry",
    "BudgetVariance",
    "Category",
    "Enrolment",
    "Programme",
    "Session",
    "TrainingCertificate",
    "TrainingCompliance",
]
