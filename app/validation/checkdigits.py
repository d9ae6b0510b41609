"""Check-digit validation for the identifiers of domain reference §8.

GB 32100 统一社会信用代码, GB 11714 组织机构代码, GB 11643 公民身份号码 and Luhn.

Every function takes an already-normalised value (NFKC, trimmed, inner spaces removed,
upper-cased) and never raises on an arbitrary string. They run for every field of every
imported record, so the weighted sums use per-position lookup tables built once at import:
``sum(map(dict.__getitem__, tables, value))`` keeps the whole loop in C.

Details dicts never contain an identity-number value or any part of one (§12); USCC and
organisation-code characters are not personal data and may be reported.
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "id_birth_date",
    "id_number_problem",
    "luhn_ok",
    "org_code_of_uscc",
    "org_code_problem",
    "upgrade_id_15_to_18",
    "uscc_problem",
]

_DIGITS = "0123456789"

# --- GB 32100 统一社会信用代码 ---------------------------------------------------

# No I, O, S, V, Z: they are too easily confused with 1, 0, 5, U, 2.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARS = frozenset(_USCC_ALPHABET)
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
# One table per position mapping char -> value * weight, so the checksum is a single C-level map.
_USCC_TERMS = tuple({c: v * w for c, v in _USCC_VALUE.items()} for w in USCC_WEIGHTS)
_USCC_CHECK = tuple(_USCC_ALPHABET[(31 - r) % 31] for r in range(31))
# Suggest the character the user probably meant; never applied automatically (§8.1).
_USCC_TYPOS = {"I": "1", "O": "0", "S": "5", "V": "U", "Z": "2"}

# --- GB 11714 组织机构代码 --------------------------------------------------------

# GB 11714 letters run A=10 ... Z=35 with no gaps, unlike the GB 32100 alphabet.
_ORG_ALPHABET = _DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_BODY_CHARS = frozenset(_ORG_ALPHABET)
_ORG_CHECK_CHARS = frozenset(_DIGITS + "X")
ORG_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_TERMS = tuple({c: i * w for i, c in enumerate(_ORG_ALPHABET)} for w in ORG_WEIGHTS)
# Indexed by sum mod 11: 11 - r, where 10 is written X and 11 is written 0.
_ORG_CHECK = tuple("0" if r == 0 else "X" if r == 1 else str(11 - r) for r in range(11))

# --- GB 11643 公民身份号码 --------------------------------------------------------

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_TERMS = tuple({c: int(c) * w for c in _DIGITS} for w in ID_WEIGHTS)
_ID_CHECK = "10X98765432"
_ID_LAST_CHARS = frozenset(_DIGITS + "X")
_PROVINCES = frozenset(
    f"{p:02d}"
    for p in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
        91,
    )
)

# --- Luhn -------------------------------------------------------------------------

_DIGIT_VALUE = {c: int(c) for c in _DIGITS}
_LUHN_DOUBLE = {c: (2 * int(c)) // 10 + (2 * int(c)) % 10 for c in _DIGITS}


def _uscc_sum(body: str) -> int:
    """Σ valueᵢ × Wᵢ over the first 17 characters (all must be in the GB 32100 alphabet)."""
    return sum(map(dict.__getitem__, _USCC_TERMS, body))


def _org_sum(body: str) -> int:
    """Σ Cᵢ × Wᵢ over the first 8 characters (digits or A-Z)."""
    return sum(map(dict.__getitem__, _ORG_TERMS, body))


def _id_sum(body: str) -> int:
    """Σ digitᵢ × Wᵢ over the first 17 digits."""
    return sum(map(dict.__getitem__, _ID_TERMS, body))


def _is_ascii_digits(s: str) -> bool:
    # str.isdigit alone accepts full-width and superscript digits, which int() or the tables reject.
    return s.isascii() and s.isdigit()


# ----------------------------------------------------------------------------------


def uscc_problem(code: str) -> tuple[str, dict] | None:
    """First problem of a normalised 统一社会信用代码 in the §8.1 validation order, or None if valid.

    Problem ids: ``uscc_length`` {"length"}, ``uscc_charset`` {"position", "char"[, "typo_of"]},
    ``uscc_region`` {"position"}, ``uscc_checksum`` {"expected"}, ``uscc_org_code`` {}.
    Positions are 1-based. The placeholder ``00000000000000000X`` fails the checksum; callers
    whitelist it where §2 allows it.
    """
    if len(code) != 18:
        return "uscc_length", {"length": len(code)}
    if not _USCC_CHARS.issuperset(code):
        for i, c in enumerate(code):
            if c not in _USCC_CHARS:
                details: dict = {"position": i + 1, "char": c}
                typo = _USCC_TYPOS.get(c)
                if typo is not None:
                    details["typo_of"] = typo
                return "uscc_charset", details
    # Positions 1-2 may be letters (N, Y ...); only the region code must be numeric.
    region = code[2:8]
    if not region.isdigit():
        for i, c in enumerate(region, start=3):
            if c not in _DIGITS:
                return "uscc_region", {"position": i}
    expected = _USCC_CHECK[_uscc_sum(code) % 31]
    if code[17] != expected:
        return "uscc_checksum", {"expected": expected}
    # Positions 9-16 are within the USCC alphabet, a subset of the GB 11714 body alphabet.
    if code[16] != _ORG_CHECK[_org_sum(code[8:16]) % 11]:
        return "uscc_org_code", {}
    return None


def org_code_of_uscc(code: str) -> str:
    """The embedded 组织机构代码 (positions 9-17, without ``-``)."""
    return code[8:17]


def org_code_problem(code: str) -> tuple[str, dict] | None:
    """Validate a GB 11714 组织机构代码, written ``XXXXXXXX-X`` or ``XXXXXXXXX``; None if valid.

    Problem ids: ``org_code_format`` ({"length"} or {"position", "char"}, 1-based in the value
    as given) and ``org_code_checksum`` {"expected"}.
    """
    n = len(code)
    if n == 10 and code[8] == "-":
        body, check, check_pos = code[:8], code[9], 10
    elif n == 9:
        body, check, check_pos = code[:8], code[8], 9
    else:
        return "org_code_format", {"length": n}
    if not _ORG_BODY_CHARS.issuperset(body):
        for i, c in enumerate(body):
            if c not in _ORG_BODY_CHARS:
                return "org_code_format", {"position": i + 1, "char": c}
    if check not in _ORG_CHECK_CHARS:
        return "org_code_format", {"position": check_pos, "char": check}
    expected = _ORG_CHECK[_org_sum(body) % 11]
    if check != expected:
        return "org_code_checksum", {"expected": expected}
    return None


def _real_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def id_birth_date(number: str) -> date | None:
    """Birth date of an 18-digit or 15-digit (year 19YY) 身份号码, or None if it is not a real date.

    Only the length and the date digits are looked at; use id_number_problem for the full check.
    """
    n = len(number)
    if n == 18:
        ymd = number[6:14]
        if not _is_ascii_digits(ymd):
            return None
        return _real_date(ymd[:4], ymd[4:6], ymd[6:])
    if n == 15:
        ymd = number[6:12]
        if not _is_ascii_digits(ymd):
            return None
        return _real_date("19" + ymd[:2], ymd[2:4], ymd[4:])
    return None


def id_number_problem(number: str, today: date) -> tuple[str, str, dict] | None:
    """Validate a normalised GB 11643 公民身份号码; None if valid without remarks.

    Returns (problem_id, severity, details), severity "error" or "warning":
    ``id_format`` error {"length"[, "position"]}; ``id_birth_date`` error {"reason": "not_a_date" |
    "future"}; ``id_checksum`` error {}; ``id_province`` warning {}; ``id_legacy_15`` warning
    {"unknown_province"?: True} for a well-formed 15-digit number (offer upgrade_id_15_to_18).
    Only upper-case X is accepted; the caller upper-cases. The address code is never compared with
    the birth year: numbers issued after a redistricting are valid (§8.3).
    """
    n = len(number)
    if n == 18:
        body = number[:17]
        if not _is_ascii_digits(body):
            for i, c in enumerate(body):
                if c not in _DIGIT_VALUE:
                    return "id_format", "error", {"length": n, "position": i + 1}
        if number[17] not in _ID_LAST_CHARS:
            return "id_format", "error", {"length": n, "position": 18}
        birth = _real_date(number[6:10], number[10:12], number[12:14])
        if birth is None:
            return "id_birth_date", "error", {"reason": "not_a_date"}
        if birth > today:
            return "id_birth_date", "error", {"reason": "future"}
        if number[17] != _ID_CHECK[_id_sum(body) % 11]:
            return "id_checksum", "error", {}
        if number[:2] not in _PROVINCES:
            return "id_province", "warning", {}
        return None
    if n == 15:
        if not _is_ascii_digits(number):
            for i, c in enumerate(number):
                if c not in _DIGIT_VALUE:
                    return "id_format", "error", {"length": n, "position": i + 1}
        birth = _real_date("19" + number[6:8], number[8:10], number[10:12])
        if birth is None:
            return "id_birth_date", "error", {"reason": "not_a_date"}
        if birth > today:
            return "id_birth_date", "error", {"reason": "future"}
        # One result per value: the legacy warning wins, and carries the province remark with it.
        if number[:2] not in _PROVINCES:
            return "id_legacy_15", "warning", {"unknown_province": True}
        return "id_legacy_15", "warning", {}
    return "id_format", "error", {"length": n}


def upgrade_id_15_to_18(number: str) -> str:
    """The 18-digit form of a 15-digit number: ``19`` inserted after position 6, check appended.

    Raises ValueError when the value is not 15 ASCII digits. Offer the result to the user;
    never apply it silently (§8.3).
    """
    if len(number) != 15 or not _is_ascii_digits(number):
        raise ValueError("not a 15-digit identity number")
    body = number[:6] + "19" + number[6:]
    return body + _ID_CHECK[_id_sum(body) % 11]


def luhn_ok(digits: str) -> bool:
    """True when a non-empty string of ASCII digits passes the Luhn (mod 10) check."""
    if not _is_ascii_digits(digits):
        return False
    total = sum(map(_DIGIT_VALUE.__getitem__, digits[-1::-2])) + sum(
        map(_LUHN_DOUBLE.__getitem__, digits[-2::-2])
    )
    return total % 10 == 0
