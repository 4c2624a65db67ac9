"""Checks of what a visitor types about themselves, as pure functions: the NIK's structure (region
code, birth date, serial; not just its length) and a phone number normalised to +62."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# Province codes of the NIK (Kemendagri): Sumatra 11-19, Jakarta/Java 31-36, Bali/Nusa Tenggara
# 51-53, Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82, Papua 91-97 (the provinces of 2022).
PROVINCES = frozenset({11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52,
                       53, 61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94,
                       95, 96, 97})


class IdentityError(ValueError):
    """`code` names the problem for a field-level message in the page's language."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Nik:
    number: str
    province: int
    birth_date: date
    female: bool


def parse_nik(text: str, today: date) -> Nik:
    number = re.sub(r"[\s.-]", "", text)
    if not number.isdigit():
        raise IdentityError("nik_digits")
    if len(number) != 16:
        raise IdentityError("nik_length")
    province, regency, district = int(number[0:2]), int(number[2:4]), int(number[4:6])
    if province not in PROVINCES or regency == 0 or district == 0:
        raise IdentityError("nik_region")
    day, month, year = int(number[6:8]), int(number[8:10]), int(number[10:12])
    female = day > 40  # women's birth day is written plus 40
    if female:
        day -= 40
    century = 2000 if 2000 + year <= today.year else 1900
    try:
        born = date(century + year, month, day)
    except ValueError:
        raise IdentityError("nik_birthdate") from None
    if born > today:
        raise IdentityError("nik_birthdate")
    if int(number[12:16]) == 0:
        raise IdentityError("nik_serial")
    return Nik(number, province, born, female)


def normalise_phone(text: str) -> str:
    """An Indonesian mobile number as +628…, from 08…, 628…, +62 8… with spaces or dashes."""
    digits = re.sub(r"[\s().-]", "", text)
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        raise IdentityError("phone_invalid")
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    # Mobile numbers: 8 then 8 to 11 more digits (0812-3456-789 up to 0812-3456-78901).
    if not re.fullmatch(r"8\d{8,11}", national):
        raise IdentityError("phone_invalid")
    return "+62" + national
