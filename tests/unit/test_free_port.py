"""Ports for local stacks come from below the kernel's ephemeral range, where an
outgoing connection can never take them between the pick and the server's bind."""

import socket

from local.runner import _ephemeral_range, free_port


def test_ports_are_below_the_ephemeral_range_distinct_and_bindable():
    low, _ = _ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(10000 <= port < low for port in ports)
    for port in ports[:5]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_handed_out():
    listeners = []
    try:
        taken = set()
        for _ in range(20):
            sock = socket.socket()
            sock.bind(("127.0.0.1", free_port()))
            sock.listen()
            listeners.append(sock)
            taken.add(sock.getsockname()[1])
        assert not taken & {free_port() for _ in range(200)}
    finally:
        for sock in listeners:
            sock.close()
