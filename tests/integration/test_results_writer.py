"""The idempotent writer against the Firestore emulator: order and repetition don't matter."""

import pytest
from google.cloud import firestore

from functions.results import ResultWriter, newer_generation
from mediacore.schema import SegmentResult


def fields(seq, generation, status="done"):
    return {
        "seq": seq,
        "stream_id": "test",
        "object": f"streams/test/segments/{seq:08d}.ts",
        "generation": generation,
        "status": status,
        "frames": [],
        "error": None if status == "done" else "boom",
    }


def doc(seq, generation, status="done"):
    return SegmentResult.model_validate(fields(seq, generation, status))


@pytest.fixture
def writer(stack_env):
    return ResultWriter(firestore.Client(project=stack_env.info["project"]))


def stats(writer, stream_id):
    return writer.stream_ref(stream_id).get().to_dict()["stats"]


def test_generation_order():
    assert newer_generation("20", "3") and not newer_generation("3", "20")
    assert not newer_generation("7", "7")
    assert newer_generation("etag-b", "etag-a")  # opaque: different means replaced


def test_same_generation_is_written_once(writer, stream_id):
    assert writer.write(stream_id, doc(1, "100")) is True
    assert writer.write(stream_id, doc(1, "100")) is False
    assert writer.write(stream_id, doc(1, "100", "failed")) is False
    assert writer.is_current(stream_id, 1, "100")
    assert stats(writer, stream_id) == {"segments": 1, "analyzed": 1, "failed": 0, "skipped": 0}


def test_out_of_order_older_generation_changes_nothing(writer, stream_id):
    writer.write(stream_id, doc(2, "200", "failed"))
    assert writer.write(stream_id, doc(2, "150")) is False
    assert writer.segment_ref(stream_id, 2).get().to_dict()["status"] == "failed"
    assert writer.write(stream_id, doc(2, "300")) is True  # a newer upload replaces it
    assert writer.is_current(stream_id, 2, "250") and not writer.is_current(stream_id, 2, "301")
    assert stats(writer, stream_id) == {"segments": 1, "analyzed": 1, "failed": 0, "skipped": 0}


def test_counters_follow_many_segments(writer, stream_id):
    for seq in range(5):
        writer.write(stream_id, doc(seq, "1", "failed" if seq == 3 else "done"))
        writer.write(stream_id, doc(seq, "1"))
    writer.write(stream_id, doc(6, "1", "skipped"))
    assert stats(writer, stream_id) == {"segments": 6, "analyzed": 4, "failed": 1, "skipped": 1}
    stream = writer.stream_ref(stream_id).get().to_dict()
    assert stream["name"] == stream_id and stream["mode"] == "realtime"


def labelled(seq, generation, brands_per_frame, objects_per_frame, duration=2.0):
    frames = []
    for i, (brands, objects) in enumerate(zip(brands_per_frame, objects_per_frame, strict=True)):
        detections = [
            {"label": b, "score": 0.9, "box": [0, 0, 0.1, 0.1], "kind": "logo"} for b in brands
        ]
        detections += [
            {"label": o, "score": 0.8, "box": [0, 0, 0.2, 0.2], "kind": "object"} for o in objects
        ]
        frames.append(
            {
                "t": seq * duration + i * duration / len(brands_per_frame),
                "detections": detections,
                "brands": [],
                "scene": [],
            }
        )
    return SegmentResult.model_validate(
        {**fields(seq, generation), "duration": duration, "frames": frames}
    )


def test_brand_seconds_and_object_counts_add_up_once(writer, stream_id):
    # seq 0: Red Bull in both samples (2 s); seq 1: in one of two samples (1 s).
    first = labelled(0, "1", [["Red Bull"], ["Red Bull", "coca.cola"]], [["person"], ["person"]])
    second = labelled(1, "1", [["Red Bull"], []], [["person", "cup"], []])
    for segment in (first, second, first, second):  # redelivered too
        writer.write(stream_id, segment)
    stream = writer.stream_ref(stream_id).get().to_dict()
    assert stream["brands"]["Red Bull"]["seconds"] == pytest.approx(3.0)
    assert stream["brands"]["Red Bull"]["first_seen"] == 0.0
    assert stream["brands"]["Red Bull"]["last_seen"] == 2.0
    assert stream["brands"]["coca.cola"]["seconds"] == pytest.approx(1.0)
    assert stream["objects"] == {"person": 3, "cup": 1}

    # Re-analysed (a newer generation) without the brand: totals move by the difference.
    writer.write(stream_id, labelled(1, "2", [[], []], [["person"], []]))
    stream = writer.stream_ref(stream_id).get().to_dict()
    assert stream["brands"]["Red Bull"]["seconds"] == pytest.approx(2.0)
    assert stream["objects"] == {"person": 3, "cup": 0}
