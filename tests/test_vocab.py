import pytest

from oneplan.core import vocab


@pytest.mark.parametrize("value, code", [
    ("road", "road"), ("ROAD", "road"), ("ถนนและการคมนาคม", "road"),
    ("Roads  and transport", "road"), ("อื่น\u200b ๆ", "other"),
])
def test_lookup_accepts_code_thai_or_english(value, code):
    assert vocab.lookup(vocab.NEED_CATEGORIES, value) == code


def test_lookup_unknown_lists_codes():
    with pytest.raises(vocab.UnknownTermError, match="water"):
        vocab.lookup(vocab.NEED_CATEGORIES, "ถนนลาดยาง")


def test_name_by_language():
    assert vocab.name(vocab.AUTHORITY_LEVELS, "lao") == "องค์กรปกครองส่วนท้องถิ่น"
    assert vocab.name(vocab.AUTHORITY_LEVELS, "lao", "en") == "Local government (LAO)"
    assert vocab.name(vocab.AUTHORITY_LEVELS, "nope") == "nope"
