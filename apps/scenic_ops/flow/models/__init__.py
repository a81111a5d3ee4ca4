from .counts import CountAdjustment, DailyFlow, FlowCount, PassageKey
from .devices import CountingDevice, DeviceReading
from .forecasts import Forecast, ForecastWarning
from .levels import Level, LevelChange, LevelState, SalesHalt, WarningPolicy
from .places import Notice, ParkingLot, WaitQueue
from .reporting import ProvincialReport, ReportingEndpoint
from .safety import SafetyWarning

__all__ = [
    "CountAdjustment",
    "CountingDevice",
    "DailyFlow",
    "DeviceReading",
    "FlowCount",
    "Forecast",
    "ForecastWarning",
    "Level",
    "LevelChange",
    "LevelState",
    "Notice",
    "ParkingLot",
    "PassageKey",
    "ProvincialReport",
    "ReportingEndpoint",
    "SafetyWarning",
    "SalesHalt",
    "WaitQueue",
    "WarningPolicy",
]
