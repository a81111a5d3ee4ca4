"""Real-name ID documents: GB 11643-1999 citizen ID numbers and the other documents visitors carry.

GB 11643: 6-digit address code (GB/T 2260) + 8-digit birth date + 3-digit sequence (odd = male)
+ a check digit by ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11; remainder → "10X98765432").
The residence permits of Hong Kong, Macao and Taiwan residents use the same layout with the
address codes 810000, 820000 and 830000.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone

from scenic_ops.ticketing.errors import Code, TicketingError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_DIGITS = "10X98765432"
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71".split()
)
PERMIT_PREFIXES = ("810000", "820000", "830000")
RESIDENT, PERMIT, PASSPORT, HKMO, TAIWAN = "resident", "permit", "passport", "hkmo", "tw"
ID_TYPES = (RESIDENT, PERMIT, PASSPORT, HKMO, TAIWAN)
_PATTERNS = {
    PASSPORT: re.compile(r"^(?=.*\d)[A-Z0-9]{6,15}$"),
    HKMO: re.compile(r"^[HM]\d{8}(\d{2})?$"),
    TAIWAN: re.compile(r"^\d{8}(\d{2})?$"),
}
_GB = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdInfo:
    id_type: str
    number: str
    birth_date: dt.date | None = None
    sex: str = ""  # "M" / "F" when the number says
    region_code: str = ""

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def normalise(number: str) -> str:
    return unicodedata.normalize("NFKC", number or "").strip().upper().replace(" ", "").replace("-", "")


def check_digit(first17: str) -> str:
    """The MOD 11-2 check digit for the first 17 digits."""
    total = sum(int(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_DIGITS[total % 11]


def birth_date_of(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _gb11643(number: str, id_type: str, today: dt.date) -> IdInfo:
    if not _GB.match(number):
        raise TicketingError(Code.INVALID_ID_NUMBER)
    born = birth_date_of(number)
    if born is None or born.year < 1900 or born > today:
        raise TicketingError(Code.INVALID_ID_NUMBER)
    if id_type == RESIDENT and number[:2] not in PROVINCES:
        raise TicketingError(Code.INVALID_ID_NUMBER)
    if id_type == PERMIT and not number.startswith(PERMIT_PREFIXES):
        raise TicketingError(Code.INVALID_ID_NUMBER)
    if check_digit(number[:17]) != number[17]:
        raise TicketingError(Code.INVALID_ID_CHECKSUM)
    return IdInfo(id_type, number, born, "M" if int(number[16]) % 2 else "F", number[:6])


def validate(id_type: str, number: str, *, today: dt.date | None = None) -> IdInfo:
    """Check an ID document number; return what it tells (birth date, sex, region) or raise."""
    if id_type not in ID_TYPES:
        raise TicketingError(Code.INVALID_ID_TYPE)
    number = normalise(number)
    if id_type in (RESIDENT, PERMIT):
        return _gb11643(number, id_type, today or timezone.localdate())
    if not _PATTERNS[id_type].match(number):
        raise TicketingError(Code.INVALID_ID_NUMBER)
    return IdInfo(id_type, number)


def is_valid(id_type: str, number: str) -> bool:
    try:
        validate(id_type, number)
    except TicketingError:
        return False
    return True


def make_number(region: str, born: dt.date, sequence: int) -> str:
    """A well-formed GB 11643 number (for demo data, tests and the benchmark)."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)
