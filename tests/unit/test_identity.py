from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.services.visitor_checks import PROVINCES, IdentityError, normalise_phone, parse_nik

TODAY = date(2026, 11, 25)


def test_a_real_shaped_nik() -> None:
    nik = parse_nik("3374 0152 0890 0003", TODAY)  # Semarang, woman born 12 Aug 1990
    assert nik.province == 33 and nik.female and nik.birth_date == date(1990, 8, 12)
    man = parse_nik("3171011203050001", TODAY)
    assert not man.female and man.birth_date == date(2005, 3, 12)


@pytest.mark.parametrize(("text", "code"), [
    ("317101120305000", "nik_length"), ("31710112030500011", "nik_length"),
    ("3171O11203050001", "nik_digits"), ("9971011203050001", "nik_region"),
    ("3100011203050001", "nik_region"), ("3171001203050001", "nik_region"),
    ("3171013213050001", "nik_birthdate"), ("3171013102050001", "nik_birthdate"),
    ("3171011200300001", "nik_birthdate"), ("3171011203050000", "nik_serial"),
])
def test_bad_niks_name_their_fault(text: str, code: str) -> None:
    with pytest.raises(IdentityError) as caught:
        parse_nik(text, TODAY)
    assert caught.value.code == code


@given(
    province=st.sampled_from(sorted(PROVINCES)), regency=st.integers(1, 99),
    district=st.integers(1, 99), born=st.dates(date(1927, 1, 1), TODAY),
    female=st.booleans(), serial=st.integers(1, 9999),
)
def test_any_well_formed_nik_reads_back(province: int, regency: int, district: int,
                                        born: date, female: bool, serial: int) -> None:
    day = born.day + (40 if female else 0)
    text = f"{province:02}{regency:02}{district:02}{day:02}{born.month:02}{born.year % 100:02}"
    nik = parse_nik(text + f"{serial:04}", TODAY)
    assert nik.female == female and nik.birth_date == born


@pytest.mark.parametrize("text", ["0812-3456-789", "+62 812 3456 789", "62812345678 9",
                                  "(0812) 3456789", "812-3456-789"])
def test_phones_normalise_to_plus_62(text: str) -> None:
    assert normalise_phone(text) == "+628123456789"


@pytest.mark.parametrize("text", ["021-5551234", "0812", "08123456789012345", "0812abc4567",
                                  "+1 415 555 0100", ""])
def test_bad_phones_are_refused(text: str) -> None:
    with pytest.raises(IdentityError):
        normalise_phone(text)


@given(st.text(max_size=30))
def test_phone_never_crashes_and_is_always_plus_628(text: str) -> None:
    try:
        phone = normalise_phone(text)
    except IdentityError:
        return
    assert phone.startswith("+628") and phone[1:].isdigit()
