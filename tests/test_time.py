"""Time expressions resolved against the publication date (2016-10-20 was a Thursday)."""

import pytest

from kg.extract.time import number, resolve

PUBLISHED = "2016-10-20"


@pytest.mark.parametrize("text, future, value, granularity", [
    ("on Saturday evening", False, "2016-10-15", "day"),
    ("Thursday", False, "2016-10-20", "day"),
    ("Tuesday", True, "2016-10-25", "day"),
    ("two days from now", False, "2016-10-22", "day"),
    ("three days ago", False, "2016-10-17", "day"),
    ("since mid-July", False, "2016-07", "month"),
    ("September 22", False, "2016-09-22", "day"),
    ("22 September", False, "2016-09-22", "day"),
    ("December 30", False, "2015-12-30", "day"),  # past tense: last December, not this one
    ("January 5", True, "2017-01-05", "day"),
    ("at 0700 GMT on Tuesday", False, "2016-10-18", "day"),
    ("the evening of November 4", True, "2016-11-04", "day"),
    ("since 2012", False, "2012", "year"),
    ("yesterday", False, "2016-10-19", "day"),
    ("next week", True, "2016-10-24", "week"),
    ("October 23, 2016", False, "2016-10-23", "day"),
])
def test_resolve(text, future, value, granularity):
    when = resolve(text, PUBLISHED, future)
    assert (when.value, when.granularity, when.text) == (value, granularity, text)


@pytest.mark.parametrize("text, value", [
    ("December 30", "2016-12-30"),  # 71 days ahead, 295 behind: ahead
    ("December 30, 2015", "2015-12-30"),
    ("March 3", "2016-03-03"),  # before publication in its year
    ("Saturday", "2016-10-22"),  # 2 days ahead, 5 behind: ahead
    ("Monday", "2016-10-17"),  # 4 days ahead, 3 behind: behind
    ("Friday", "2016-10-21"),
    ("Thursday", "2016-10-20"),  # the publication day itself
])
def test_resolve_without_tense(text, value):
    """Neither a past tense nor a sign of the future (a noun, an infinitive): the nearer side,
    the past counted twice."""
    assert resolve(text, PUBLISHED, past=False).value == value


@pytest.mark.parametrize("text", ["Tuesday", "two days from now", "mid-July"])
def test_relative_time_without_publication_date_is_not_guessed(text):
    assert resolve(text, None) is None


def test_unreadable_time_is_none():
    assert resolve("the coming period", PUBLISHED) is None


@pytest.mark.parametrize("text, value", [("83", 83), ("some 100", 100), ("four", 4), ("More than 2,000", 2000), ("dozens", None)])
def test_number(text, value):
    assert number(text) == value


@pytest.mark.parametrize("text", ["1900 hours", "at 1400 EST", "2030 GMT"])
def test_a_clock_time_is_no_year(text):
    assert resolve(text, PUBLISHED) is None
