"""The dashboard's TypeScript result types are generated from mediacore/schema.py and
must match it: a model change the frontend does not follow fails here (and then in
`ng build`, which type-checks the app against the regenerated file)."""

from local import schema_types
from mediacore.schema import SegmentResult


def test_committed_types_match_the_models():
    assert schema_types.main(["--check"]) == 0, "run: python -m local.schema_types"


def test_a_model_change_is_caught(tmp_path, monkeypatch):
    stale = tmp_path / "result-schema.ts"
    stale.write_text(schema_types.TARGET.read_text().replace("  open_runs:", "  open_run:"))
    monkeypatch.setattr(schema_types, "TARGET", stale)
    assert schema_types.main(["--check"]) == 1


def test_every_segment_field_is_typed():
    text = schema_types.generate()
    for name in SegmentResult.model_fields:
        assert f"  {name}: " in text, name
    assert "program_date_time: Date | null" in text  # Firestore timestamps arrive as Date
    assert "box: [number, number, number, number]" in text
