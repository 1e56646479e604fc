"""Logo files that once crashed or poisoned the model service, for the tests that keep them out.

Each entry: name -> (bytes, a phrase the refusal must contain). Built here, small, from
nothing but the standard library and one simple-icons glyph.
"""

from __future__ import annotations

import struct
import zlib

from tests.logo_scenes import ICONS

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def tall_svg() -> bytes:
    """1:100000: resvg asked for a 400 px wide render allocates 64 GB and aborts (SIGABRT)."""
    return f'<svg {SVG_NS} viewBox="0 0 1 100000"><rect width="1" height="100000"/></svg>'.encode()


def nested_svg(depth: int = 800) -> bytes:
    """Some hundred nested groups (6 KB) overflow resvg's stack: SIGSEGV."""
    return (
        f'<svg {SVG_NS} viewBox="0 0 10 10">' + "<g>" * depth + '<rect width="5" height="5"/>'
        + "</g>" * depth + "</svg>"
    ).encode()  # fmt: skip


def external_svg(path: str) -> bytes:
    """An <image> pointing at a file on the server: resvg would read it from local disk."""
    return (
        f'<svg {SVG_NS} xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
        f'<image xlink:href="{path}" width="10" height="10"/></svg>'
    ).encode()


def latin1_svg(brand: str = "starbucks") -> bytes:
    """A valid SVG in ISO-8859-1, as older editors save it: a usable logo."""
    text = (ICONS / f"{brand}.svg").read_text()
    text = text.replace("<title>", "<title>\u00a9 Caf\u00e9 ", 1)
    return b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + text.encode("latin-1")


def undeclared_latin1_svg() -> bytes:
    """Latin-1 bytes with no declaration: not UTF-8, so not XML at all."""
    return f'<svg {SVG_NS} viewBox="0 0 10 10"><title>Caf\u00e9</title></svg>'.encode("latin-1")


def huge_png(side: int = 30000) -> bytes:
    """A PNG whose header promises side x side pixels (2.7 GB decoded) on a few bytes."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = zlib.compress(b"\0" * (side + 1) * 4)  # a few rows; the rest is missing
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def corpus(secret_png: str) -> dict[str, tuple[bytes, str]]:
    """Every hostile file, with the phrase its refusal must contain."""
    return {
        "tall.svg": (tall_svg(), "times longer than it is high"),
        "nested.svg": (nested_svg(), "could not be rendered"),
        "external.svg": (external_svg(secret_png), "refers to another file"),
        "undeclared-latin1.svg": (undeclared_latin1_svg(), "does not parse"),
        "huge.png": (huge_png(), "px per side"),
    }
