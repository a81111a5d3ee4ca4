from .gates import AdmissionRule, CredentialBinding, Gate, GateDevice, Lane
from .scans import Conflict, OfflineUpload, Presence, Scan, ScanCorrection

__all__ = [
    "AdmissionRule",
    "Conflict",
    "CredentialBinding",
    "Gate",
    "GateDevice",
    "Lane",
    "OfflineUpload",
    "Presence",
    "Scan",
    "ScanCorrection",
]
