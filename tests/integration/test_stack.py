"""`make run`'s stack as a user meets it: comes up wired, and Ctrl-C leaves nothing behind."""

import psutil

from local.runner import Stack


def test_stack_starts_wired_and_stops_cleanly_on_ctrl_c(tmp_path):
    stack = Stack(tmp_path)
    stack.start()
    try:
        assert stack.info["bucket"] == "gs://media-analyzer-local"
        env = stack.info["env"]
        for key in ("FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST", "STORAGE_EMULATOR_HOST"):
            assert "127.0.0.1:" in env[key]
        children = psutil.Process(stack.process.pid).children(recursive=True)
        commands = " ".join(" ".join(p.cmdline()) for p in children)
        for expected in (
            "cloud-firestore-emulator",
            "pubsub-emulator",
            "fake-gcs-server",
            "functions-framework",
            "local.launch bootstrap",
            "ingest serve",
            "nginx: master process",
            "-m gpu_service",
        ):
            assert expected in commands
        # Every listener is on loopback only.
        for child in children:
            for conn in child.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    assert conn.laddr.ip in ("127.0.0.1", "::ffff:127.0.0.1"), (child, conn)
    finally:
        stack.stop()  # SIGINT to the runner, as Ctrl-C does
    assert stack.process.returncode is not None
    survivors = [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert survivors == [], [p.cmdline() for p in survivors]
    assert "local stack ready" in stack.log()
    assert not (tmp_path / "stack.json").exists()
