import numpy as np
import pytest

from kpkclassify.labels import LABELS, LabelError, format_labels, from_indicator, parse_labels, to_indicator


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("illegal_fee", ("illegal_fee",)),
        ("slow_service|illegal_fee", ("illegal_fee", "slow_service")),
        ("campaign, slow_service", ("slow_service", "campaign")),
        ("other", ()),
        ("", ()),
        (None, ()),
        (["campaign"], ("campaign",)),
        ("Illegal-Fee", ("illegal_fee",)),
    ],
)
def test_parse_labels(raw, expected):
    assert parse_labels(raw) == expected


def test_unknown_label_suggests_the_closest():
    with pytest.raises(LabelError, match="did you mean 'illegal_fee'"):
        parse_labels("ilegal_fee")


def test_indicator_round_trip():
    rows = ["illegal_fee|campaign", "other", "slow_service"]
    matrix = to_indicator(rows)
    assert matrix.tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0]]
    assert from_indicator(matrix) == [("illegal_fee", "campaign"), ("other",), ("slow_service",)]
    assert format_labels(()) == "other"
    assert matrix.shape[1] == len(LABELS)
    assert isinstance(matrix, np.ndarray)
