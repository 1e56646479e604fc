"""JSON log lines: severity, and the request's trace where one exists."""

import io
import json
import logging

from mediacore.logs import TRACE_FIELD, CloudLoggingFormatter, trace_id, use_trace

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def line(message: str, **extra) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter("%(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger("test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning(message, extra=extra)
    return json.loads(stream.getvalue())


def test_trace_ids_from_w3c_and_cloud_run_headers():
    assert trace_id({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}) == TRACE
    assert trace_id({"X-Cloud-Trace-Context": f"{TRACE.upper()}/123;o=1"}) == TRACE
    assert trace_id({"traceparent": "garbage"}) is None
    assert trace_id({}) is None


def test_lines_carry_severity_fields_and_the_trace():
    use_trace({"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"})
    record = line("segment decoded", stream_id="s1", seq=4, decode_ms=12.5)
    assert record["severity"] == "WARNING" and record["message"] == "segment decoded"
    assert record["stream_id"] == "s1" and record["decode_ms"] == 12.5
    assert record[TRACE_FIELD].endswith(f"/traces/{TRACE}")
    use_trace({})
    assert TRACE_FIELD not in line("no trace")
