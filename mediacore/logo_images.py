"""Logo image files from users: what they are, checked before anything decodes them, and SVG
rendered to a bounded PNG in a child process.

Uploads and objects put straight into the bucket library are untrusted. An SVG can ask
resvg for a 64 GB canvas (a 1:100000 aspect ratio; it aborts the process) or overflow its
stack (a few hundred nested groups), and ``<image href="/path">`` makes it read files of
the server. So SVG is parsed here first (UTF-8 or its declared encoding; no references
outside the file), then rendered fitted inside RENDER_SIDE x RENDER_SIDE by a child
process that limits its own memory and CPU time: the worst an SVG can do is end that
child. Raster images are sized from their header before any pixel is decoded.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

RENDER_SIDE = 400  # the long side SVGs are rendered at (gpu_service's reference side)
MIN_SIDE, MAX_SIDE = 16, 4096  # raster logos, per side
PIL_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# Bounds of the rendering child. They only stop a hostile file: a logo renders in well
# under a second and a few MB, so a busy machine never comes near them.
RENDER_TIMEOUT_S = 60.0
RENDER_CPU_S = 30
RENDER_MEMORY_BYTES = 1 << 30
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


class InvalidLogo(ValueError):
    """Not an image we can match against; the message says why, for people."""


def logo_kind(data: bytes) -> str:
    """The logo's type ("png", "jpg", "webp" or "svg"), after checking it is one we can use."""
    head = data.lstrip()[:512].lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        svg_text(data)
        return "svg"
    width, height, kind = raster_size(data)
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise InvalidLogo(f"logo must be {MIN_SIDE}-{MAX_SIDE} px per side, got {width}x{height}")
    return kind


def raster_size(data: bytes) -> tuple[int, int, str]:
    """Width, height and type of a PNG/JPEG/WebP, from its header (no pixel decoded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()  # the file's structure and checksums, still without decoding
    except Image.DecompressionBombError as exc:
        raise InvalidLogo(f"logo must be {MIN_SIDE}-{MAX_SIDE} px per side; this one is far "
                          "larger") from exc  # fmt: skip
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidLogo("not a PNG, JPEG, WebP or SVG image") from exc
    if kind not in PIL_FORMATS:
        raise InvalidLogo(f"{kind} images are not accepted; use PNG, JPEG, WebP or SVG")
    return width, height, PIL_FORMATS[kind]


def svg_text(data: bytes) -> str:
    """The SVG's text, after checking it parses, is an SVG and refers to nothing outside it."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise InvalidLogo(f"SVG does not parse: {exc}") from exc
    if not root.tag.endswith("svg"):
        raise InvalidLogo("XML that is not an SVG image")
    for element in root.iter():
        href = element.get("href") or element.get(XLINK_HREF) or ""
        if href and not href.startswith(("#", "data:")):
            raise InvalidLogo(
                f"the SVG refers to another file ({href[:80]!r}); embed images as data: URIs"
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # it parsed, so its declared encoding is one Python knows
        declared = DECLARED_ENCODING.match(data)
        try:
            return data.decode(declared.group(1).decode() if declared else "utf-8")
        except (LookupError, UnicodeDecodeError) as exc:
            raise InvalidLogo(f"the SVG's text is not in its declared encoding: {exc}") from exc


def render_svg(data: bytes, side: int = RENDER_SIDE) -> bytes:
    """A PNG of the SVG fitted inside side x side pixels (see the module docstring)."""
    text = svg_text(data)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mediacore.logo_images", str(side)],
            input=text.encode(),
            capture_output=True,
            timeout=RENDER_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise InvalidLogo(f"the SVG could not be rendered in {RENDER_TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["crashed"]
        if done.returncode < 0:
            reason = [f"the renderer ended with signal {-done.returncode}"]
        raise InvalidLogo(f"the SVG could not be rendered: {reason[0][:200]}")
    png = done.stdout
    width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR
    if min(width, height) < MIN_SIDE:
        raise InvalidLogo(
            f"the logo is {max(width, height) / max(1, min(width, height)):.0f} or more times "
            "longer than it is high; such thin shapes cannot be told apart from lines on screen"
        )
    return png


def as_stored(data: bytes) -> tuple[bytes, str]:
    """The bytes to keep in the library and their type: an SVG becomes its bounded PNG,
    so that nothing downstream renders a user's SVG again."""
    kind = logo_kind(data)
    return (render_svg(data), "png") if kind == "svg" else (data, kind)


def _render_child(side: int) -> None:
    """The rendering child: limits itself first, then reads the SVG text on stdin."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_CPU_S, RENDER_CPU_S))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    import resvg_py

    try:
        png = resvg_py.svg_to_bytes(
            svg_string=sys.stdin.buffer.read().decode(), width=side, height=side
        )
    except ValueError as exc:  # resvg's own refusals (bad size, too many nodes)
        sys.exit(str(exc))
    sys.stdout.buffer.write(bytes(png))


if __name__ == "__main__":
    _render_child(int(sys.argv[1]))
