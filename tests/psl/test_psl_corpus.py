"""Public Suffix List test vectors (tests.txt and test_psl.txt) against the pinned list."""

import re
from pathlib import Path

import pytest

from checker.shared.orgdomain import PublicSuffixes

PSL_DIR = Path(__file__).resolve().parents[1] / "corpora" / "psl"


def _null(text: str) -> str | None:
    return None if text == "null" else text


def _tests_txt() -> list[tuple[str | None, str | None]]:
    cases = []
    for line in (PSL_DIR / "tests.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("//"):
            continue
        given, expected = line.split()
        cases.append((_null(given), _null(expected)))
    return cases


_CALL = re.compile(r"^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);$")


def _test_psl_txt() -> list[tuple[str | None, str | None]]:
    cases = []
    for line in (PSL_DIR / "test_psl.txt").read_text(encoding="utf-8").splitlines():
        match = _CALL.match(line.strip())
        if match:
            cases.append(tuple(None if part == "null" else part.strip("'") for part in match.groups()))
    return cases


TESTS_TXT = _tests_txt()
TEST_PSL_TXT = _test_psl_txt()


@pytest.fixture(scope="module")
def psl() -> PublicSuffixes:
    return PublicSuffixes.from_file(PSL_DIR / "public_suffix_list.dat")


def test_vector_counts():
    assert len(TESTS_TXT) == 78
    assert len(TEST_PSL_TXT) == 78


@pytest.mark.parametrize(("given", "expected"), TESTS_TXT, ids=[str(c[0]) for c in TESTS_TXT])
def test_psl_tests_txt(psl, given, expected):
    assert psl.registrable_domain(given) == expected


@pytest.mark.parametrize(("given", "expected"), TEST_PSL_TXT, ids=[str(c[0]) for c in TEST_PSL_TXT])
def test_psl_test_psl_txt(psl, given, expected):
    assert psl.registrable_domain(given) == expected
