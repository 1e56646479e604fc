import pytest

from mediacore.names import (
    InvalidName,
    check_stream_id,
    parse_segment_object,
    playlist_object,
    segment_doc_id,
    segment_object,
    segments_prefix,
)


def test_segment_names_round_trip():
    name = segment_object("studio-a", 42)
    assert name == "streams/studio-a/segments/00000042.ts"
    parsed = parse_segment_object(name)
    assert (parsed.stream_id, parsed.seq, parsed.ext) == ("studio-a", 42, "ts")
    assert parsed.object_name == name
    assert segment_doc_id(42) == "00000042"
    assert playlist_object("studio-a") == "streams/studio-a/index.m3u8"
    assert segments_prefix("studio-a") == "streams/studio-a/segments/"
    assert name.startswith(segments_prefix("studio-a"))


@pytest.mark.parametrize("bad", ["", "..", "a/b", "Studio", "-lead", "a" * 64, "a b", "é"])
def test_stream_ids_cannot_escape_their_prefix(bad):
    with pytest.raises(InvalidName):
        check_stream_id(bad)
    with pytest.raises(InvalidName):
        segment_object(bad, 1)
    with pytest.raises(InvalidName):
        segments_prefix(bad)


def test_segment_object_rejects_bad_sequence_and_extension():
    with pytest.raises(InvalidName):
        segment_object("s", -1)
    with pytest.raises(InvalidName):
        segment_object("s", 1, "mp4")


@pytest.mark.parametrize(
    "name",
    [
        "streams/s/index.m3u8",
        "streams/s/segments/x.ts",
        "streams/s/segments/1.mp4",
        "other/s/segments/00000001.ts",
        "streams/s/segments/00000001.ts.tmp",
    ],
)
def test_other_objects_are_not_segments(name):
    assert parse_segment_object(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "streams/s/segments/00000007.ts\n",  # `$` accepts a trailing newline
        "streams/s/segments/\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0667.ts",  # Arabic-Indic
        "streams/s/segments/\u0667.ts",
        "streams/s/segments/7.ts",  # not what the uploader writes: would overwrite 00000007
        "streams/s/segments/000000007.ts",
        "streams/s/segments/0000000007.m4s",
        "streams/s\n/segments/00000007.ts",
    ],
)
def test_only_canonical_segment_names_are_segments(name):
    # Each of these would parse to segment 7 and overwrite its result.
    assert parse_segment_object(name) is None


def test_long_sequences_keep_their_canonical_name():
    name = segment_object("s", 123_456_789)
    assert name == "streams/s/segments/123456789.ts"
    assert parse_segment_object(name).seq == 123_456_789


@pytest.mark.parametrize("bad", ["studio\n", "studio-\u0661"])
def test_stream_ids_are_whole_ascii_matches(bad):
    with pytest.raises(InvalidName):
        check_stream_id(bad)
