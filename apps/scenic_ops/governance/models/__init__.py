from .budgets import Budget, BudgetEntry, BudgetVariance, Category
from .privacy import DataClass, DataRequest, DestructionLog, PersonalDataExport, RetentionPolicy
from .projects import Award, Funding, Milestone, Project, ProjectDocument
from .security import Control, ControlResult, Layer, ReviewCycle, RiskAcceptance, RiskReview
from .training import Enrolment, Programme, Session, TrainingCertificate, TrainingCompliance

__all__ = [
    "Award",
    "Funding",
    "Milestone",
    "Project",
    "ProjectDocument",
    "Budget",
    "BudgetEntry",
    "BudgetVariance",
    "Category",
    "Control",
    "DataClass",
    "DataRequest",
    "DestructionLog",
    "RetentionPolicy",
    "RiskAcceptance",
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
