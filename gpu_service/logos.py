"""Reference-logo detection that does not depend on texture: shape regions + dense verification.

Most brand logos are flat glyphs and wordmarks: a few uniform shapes in one
colour. Keypoint matchers (SIFT) find too few corners on them, so this
detector works on *regions* instead, the way texture-less object detectors do:

1. **Regions.** MSER (OpenCV) finds the stable uniform blobs of a frame: a
   glyph, its letters, the holes inside them. Each region is normalised for
   affine distortion by its second moments (whitening), so a logo seen at any
   scale, rotation or moderate perspective gives the same normalised shape.
2. **Shape descriptors.** The normalised shape is summarised as a polar
   occupancy histogram; the magnitude of its Fourier transform over the angle
   makes it rotation-invariant, and the phase gives the rotation back.
   References are described the same way from renders at many sizes (small
   renders merge letters as a distant view does), so one nearest-neighbour
   search over every reference serves the whole library: the cost grows with
   the library only in that search.
3. **Hypotheses.** Each close region pair gives a full affine pose of the
   reference in the frame (whitening, rotation from the phase, whitening back).
4. **Dense verification.** The frame is warped into the reference's frame
   under that pose, refined with ECC (a homography: it absorbs perspective)
   and compared with the reference's glyph mask by normalised correlation,
   which is blind to contrast, brightness and colour cast but not to shape.
   The glyph's colour must also agree with the reference's (in chroma, with
   a camera's tolerance) where the reference is coloured.

No model weights; the user's reference images are the only brand knowledge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import cv2
import numpy as np

from gpu_service.detections import Detection, clip_box, iou
from gpu_service.logo_keypoints import KeypointMatcher, plausible_quad
from mediacore.logo_images import RENDER_SIDE, InvalidLogo, logo_kind, render_svg

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".svg"}
REFERENCE_SIDE = RENDER_SIDE  # SVG references are rendered at this long side
MAX_FILE_BYTES = 16 * 2**20  # a library file larger than this is not read (uploads: 8 MB)
TEMPLATE_SIDE = 64  # verification happens in a reference frame of this long side
TEMPLATE_PAD = 0.2  # and looks this far around the glyph (its edges are the evidence)
RENDER_SIDES = (20, 30, 45, 68, 100, 150, 220)  # reference sizes described for matching
R_BINS = np.array([0.0, 0.45, 0.9, 1.35, 1.8, 2.6, np.inf])
THETA_BINS = 32
HARMONICS = 9
MIN_REGION_AREA = 24  # px at working scale
PER_REGION = 10
# Verification: the base correlation a view needs, and how far above its own filled
# outline a near-convex glyph must score (both measured on random scenes).
BASE_THRESHOLD = 0.8
GENERIC_MARGIN = 0.04
AREA_PRIOR_REFERENCE = 0.06
AREA_PRIOR_FRAME = 0.05
SIDE_RANGE = (12, 400)
COLOUR_CHANNELS = True
CLUTTER_FRAMES = 4
CONFUSION_MARGIN = 0.02


class UnusableReference(ValueError):
    """A reference image the detector cannot work with; the message says why, for people."""


@dataclass
class Regions:
    """Shape regions of one image: moments, whitening and descriptors (one row each)."""

    centres: np.ndarray  # n x 2
    unwhiten: np.ndarray  # n x 2 x 2: normalised shape -> image coordinates
    whiten: np.ndarray  # n x 2 x 2
    spectra: np.ndarray  # n x r x theta complex: angular spectrum per radius ring
    descriptors: np.ndarray  # n x d, rotation-invariant, unit length
    areas: np.ndarray  # n


@dataclass
class Reference:
    brand: str
    name: str  # which reference image of the brand
    template: np.ndarray  # float32, TEMPLATE frame: 1 on the glyph, 0 around it
    corners: np.ndarray  # the glyph's box in TEMPLATE coordinates (4 x 2)
    chroma: np.ndarray | None  # the glyph's colour direction (None: grey or many colours)
    regions: Regions | None = None
    blurred: np.ndarray | None = None  # for the first look at a coarse pose
    threshold: float = 0.8  # the correlation a view must reach (see _generic_shape)
    solidity: float = 0.0  # how much the glyph is just its own filled outline
    confusion: float = 0.0  # its best score on clutter without logos (see _confusion)


def decode_image(data: bytes, suffix: str) -> np.ndarray | None:
    """RGB(A) pixels of an image file's bytes. Files are untrusted (raises InvalidLogo): an
    SVG is rendered in a bounded child process, a raster is sized before it is decoded."""
    if suffix == ".svg":
        data = render_svg(data, REFERENCE_SIDE)
    else:
        logo_kind(data)
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        return None
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    if array.shape[2] == 4:
        return cv2.cvtColor(array, cv2.COLOR_BGRA2RGBA)
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)


# --- regions and their shape descriptors ------------------------------------------------
def _mser(min_area: int, max_area: int):
    return cv2.MSER_create(delta=4, min_area=min_area, max_area=max_area, max_variation=0.35)


def describe_regions(
    gray: np.ndarray, min_area: int = MIN_REGION_AREA, max_fraction: float = 0.3
) -> Regions:
    """MSER regions of a grey image and their affine-normalised shape descriptors."""
    max_area = int(max_fraction * gray.size)
    points, boxes = _mser(min_area, max_area).detectRegions(gray)
    if not points:
        return _empty_regions()
    points, boxes = _distinct(points, boxes)
    sizes = np.array([len(p) for p in points])
    owner = np.repeat(np.arange(len(points)), sizes)
    xy = np.concatenate(points).astype(np.float64)
    n = len(points)
    count = sizes.astype(np.float64)
    mean = np.stack([np.bincount(owner, xy[:, i], n) / count for i in (0, 1)], axis=1)
    d = xy - mean[owner]
    cxx = np.bincount(owner, d[:, 0] ** 2, n) / count + 1 / 12  # + a pixel's own spread
    cyy = np.bincount(owner, d[:, 1] ** 2, n) / count + 1 / 12
    cxy = np.bincount(owner, d[:, 0] * d[:, 1], n) / count
    cov = np.stack([np.stack([cxx, cxy], -1), np.stack([cxy, cyy], -1)], -2)
    values, vectors = np.linalg.eigh(cov)
    values = np.maximum(values, 1e-6)
    whiten = vectors @ (np.eye(2) / np.sqrt(values)[:, :, None]) @ vectors.transpose(0, 2, 1)
    unwhiten = vectors @ (np.eye(2) * np.sqrt(values)[:, :, None]) @ vectors.transpose(0, 2, 1)
    q = np.einsum("nij,nj->ni", whiten[owner], d)
    radius = np.hypot(q[:, 0], q[:, 1])
    theta = np.arctan2(q[:, 1], q[:, 0])
    r_bin = np.searchsorted(R_BINS, radius, side="right") - 1
    t_bin = ((theta + np.pi) / (2 * np.pi) * THETA_BINS).astype(int) % THETA_BINS
    rings = len(R_BINS) - 1
    index = (owner * rings + r_bin) * THETA_BINS + t_bin
    histogram = np.bincount(index, minlength=n * rings * THETA_BINS).astype(np.float64)
    histogram = histogram.reshape(n, rings, THETA_BINS) / count[:, None, None]
    spectra = np.fft.fft(histogram, axis=2)
    # Ring masses (how the area spreads out from the centre) and, per ring, the strength
    # of each angular harmonic (the shape beyond its ellipse); compared by distance.
    descriptor = np.concatenate(
        [spectra[:, :, 0].real, 2 * np.abs(spectra[:, :, 1:HARMONICS]).reshape(n, -1)], axis=1
    )
    return Regions(mean, unwhiten, whiten, spectra, descriptor.astype(np.float32), count)


def _distinct(points, boxes):
    """Drop regions nested almost exactly in the previous one (MSER's near-duplicates)."""
    order = np.lexsort((boxes[:, 3], boxes[:, 2], boxes[:, 1], boxes[:, 0]))
    kept, last = [], None
    for i in order:
        box = boxes[i]
        if last is not None and np.abs(box - last).max() <= max(1, 0.04 * box[2:].max()):
            continue
        kept.append(i)
        last = box
    return [points[i] for i in kept], boxes[kept]


def _empty_regions() -> Regions:
    rings = len(R_BINS) - 1
    return Regions(
        np.zeros((0, 2)),
        np.zeros((0, 2, 2)),
        np.zeros((0, 2, 2)),
        np.zeros((0, rings, THETA_BINS), complex),
        np.zeros((0, rings * HARMONICS), np.float32),
        np.zeros(0),
    )


def _concat(parts: list[Regions]) -> Regions:
    if not parts:
        return _empty_regions()
    return Regions(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Regions.__dataclass_fields__)
    )


def _rotations(frame_spectra: np.ndarray, ref_spectra: np.ndarray, top: int = 2) -> np.ndarray:
    """The best rotation angles (radians) taking reference regions onto frame regions."""
    cross = (frame_spectra * np.conj(ref_spectra)).sum(axis=1)
    correlation = np.fft.ifft(cross, axis=1).real
    best = np.argsort(-correlation, axis=1)[:, :top]
    return best * (2 * np.pi / THETA_BINS)


# --- references -----------------------------------------------------------------------------
def glyph_of(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The logo's RGB and its mask (0..1): alpha when present, else pixels unlike the border."""
    if image.shape[2] == 4 and image[..., 3].min() < 250:
        return image[..., :3], image[..., 3].astype(np.float32) / 255
    rgb = image[..., :3]
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
    ground = np.median(border, axis=0)
    distance = np.linalg.norm(rgb.astype(np.float32) - ground, axis=2)
    return rgb, np.clip((distance - 20) / 40, 0, 1)


def _chroma(rgb: np.ndarray) -> np.ndarray | None:
    """Unit direction of a colour in the plane orthogonal to grey; None for greys."""
    centred = rgb - rgb.mean()
    size = np.linalg.norm(centred)
    return centred / size if size > 18 else None


def build_reference(brand: str, name: str, image: np.ndarray) -> Reference:
    """A reference from an uploaded image (RGB or RGBA). Raises UnusableReference."""
    rgb, mask = glyph_of(image)
    transparent = image.shape[2] == 4 and image[..., 3].min() < 250
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) < 30:
        raise UnusableReference(
            "no logo found in the image: it is blank, or the logo does not stand out from its "
            "background (use a transparent PNG/SVG, or a logo on a plain background)"
        )
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    # An opaque image whose "logo" is everything in it is a photo or a block, not a logo
    # (a transparent one may well be a solid badge with the mark knocked out).
    if not transparent and (x1 - x0) * (y1 - y0) > 0.97 * mask.size and mask.mean() > 0.9:
        raise UnusableReference(
            "the logo fills the whole image with no background around it: upload the logo "
            "itself (a transparent PNG or SVG) rather than a photo or a solid block"
        )
    aspect = max(x1 - x0, y1 - y0) / max(1, min(x1 - x0, y1 - y0))
    if aspect > 12:
        raise UnusableReference(
            f"the logo is {aspect:.0f} times longer than it is high; such thin shapes cannot be "
            "told apart from lines on screen (upload a more compact variant, e.g. the symbol)"
        )
    mask, rgb = mask[y0:y1, x0:x1], rgb[y0:y1, x0:x1]
    # The template frame: the glyph at TEMPLATE_SIDE long side, with a margin around it.
    scale = TEMPLATE_SIDE / max(mask.shape)
    pad = int(round(TEMPLATE_PAD * TEMPLATE_SIDE))
    small = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    template = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    h, w = small.shape
    corners = np.float64([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    solid = mask > 0.5
    colours = rgb[solid].astype(np.float32)
    spread = colours.std(axis=0).mean()
    chroma = _chroma(np.median(colours, axis=0)) if spread < 40 else None
    reference = Reference(brand, name, template.astype(np.float32), corners, chroma)
    reference.blurred = cv2.GaussianBlur(reference.template, (0, 0), 2.5)
    reference.solidity = _generic_shape(reference.template)
    # A glyph that is nearly its own filled outline (a disc, a rounded bubble) correlates
    # with any blob of that outline: it must be seen better than that blob would be.
    reference.threshold = max(BASE_THRESHOLD, reference.solidity + GENERIC_MARGIN)
    reference.regions = _reference_regions(mask, scale, pad)
    if len(reference.regions.areas) == 0:
        raise UnusableReference("the logo has no shape the detector can hold on to")
    # And above what it scores on clutter that holds no logo (letters, shapes, texture):
    # a glyph that looks like an "S" must beat every "S" of a caption.
    reference.confusion = _confusion(reference)
    reference.threshold = max(reference.threshold, reference.confusion + CONFUSION_MARGIN)
    return reference


def _channels(rgb: np.ndarray, colour: bool) -> list[np.ndarray]:
    """Brightness, and with ``colour`` the two CIELAB opponent axes, contrast-stretched."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if not colour:
        return [gray]
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
    stretch = np.clip((np.arange(256) - 128) * 2 + 128, 0, 255).astype(np.uint8)
    return [gray] + [cv2.LUT(lab[..., i], stretch) for i in (1, 2)]


@cache
def _clutter() -> tuple[np.ndarray, ...]:
    """Working-scale frames with no logo in them: captions in several fonts and sizes,
    both polarities, simple shapes and noise. Drawn from a fixed seed."""
    rng = np.random.default_rng(20261130)
    fonts = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
             cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_PLAIN)  # fmt: skip
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789&@#%"
    frames = []
    for index in range(CLUTTER_FRAMES):
        light = index % 2 == 0
        image = np.full((540, 960), 215 if light else 40, np.float32)
        image += rng.normal(0, 6, image.shape).astype(np.float32)
        image = np.clip(image, 0, 255).astype(np.uint8)
        ink = 30 if light else 220
        for _ in range(14):
            word = "".join(rng.choice(list(letters), rng.integers(2, 9)))
            scale = float(rng.uniform(0.6, 3.5))
            origin = (int(rng.integers(0, 800)), int(rng.integers(30, 530)))
            cv2.putText(image, word, origin, fonts[rng.integers(len(fonts))], scale, ink,
                        max(1, int(scale * rng.uniform(1, 3))), cv2.LINE_AA)  # fmt: skip
        for _ in range(8):
            centre = (int(rng.integers(0, 960)), int(rng.integers(0, 540)))
            size = int(rng.integers(6, 60))
            if rng.random() < 0.5:
                cv2.circle(image, centre, size, ink, int(rng.choice([-1, 2, 5])), cv2.LINE_AA)
            else:
                corner = (centre[0] + size, centre[1] + int(size * rng.uniform(0.3, 2)))
                cv2.rectangle(image, centre, corner, ink, int(rng.choice([-1, 2, 5])))
        frames.append(cv2.GaussianBlur(image, (0, 0), 0.8))
    return tuple(frames)


def _confusion(reference: Reference) -> float:
    """The best score this reference alone reaches on the logo-free clutter frames."""
    probe = LogoMatcher(colour_channels=False, max_hypotheses=150)
    threshold, reference.threshold = reference.threshold, 0.0
    probe.references.append(reference)
    try:
        scores = [d.score for frame in _clutter() for d in probe.match_gray(frame)]
    finally:
        reference.threshold = threshold
    return max(scores, default=0.0)


def _generic_shape(template: np.ndarray) -> float:
    """Correlation of the glyph with its own filled convex hull (1.0: a plain convex blob)."""
    solid = (template > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(solid, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return 1.0
    hull = np.zeros_like(solid)
    cv2.fillPoly(hull, [cv2.convexHull(np.vstack(contours))], 1)
    return _ncc(template, cv2.GaussianBlur(hull.astype(np.float32), (0, 0), 1.0))


def _reference_regions(mask: np.ndarray, template_scale: float, pad: int) -> Regions:
    """Regions of the glyph rendered dark on light at several sizes, in TEMPLATE coordinates."""
    parts = []
    for side in RENDER_SIDES:
        scale = side / max(mask.shape)
        small = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        border = max(4, side // 4)
        small = cv2.copyMakeBorder(small, border, border, border, border, cv2.BORDER_CONSTANT)
        gray = (235 - 200 * cv2.GaussianBlur(small, (0, 0), 0.7)).astype(np.uint8)
        regions = describe_regions(gray, min_area=max(12, MIN_REGION_AREA // 2))
        if not len(regions.areas):
            continue
        # Back into the template frame: undo the border, then rescale.
        factor = template_scale / scale
        regions.centres = (regions.centres - border) * factor + pad
        regions.unwhiten = regions.unwhiten * factor
        regions.whiten = regions.whiten / factor
        keep = regions.areas < 0.9 * small.size  # not the canvas itself
        parts.append(_select(regions, keep))
    return _concat(parts)


def _select(regions: Regions, keep: np.ndarray) -> Regions:
    return Regions(*(getattr(regions, f)[keep] for f in Regions.__dataclass_fields__))


# --- the matcher ------------------------------------------------------------------------------
@dataclass
class _Hypothesis:
    reference: int
    pose: np.ndarray  # 3x3: template frame -> work frame
    channel: int = 0  # which image it was found in (see _channels)


class LogoMatcher:
    def __init__(
        self,
        max_side: int = 960,
        threshold: float = 0.0,
        max_hypotheses: int = 300,
        descriptor_distance: float = 0.25,
        colour_channels: bool = COLOUR_CHANNELS,
    ):
        self.max_side = max_side
        self.threshold = threshold
        self.max_hypotheses = max_hypotheses
        self.descriptor_distance = descriptor_distance
        self.per_region = PER_REGION
        self.max_refinements = 8
        # Also look in colour-opponent channels: a red print on a mid-grey shirt has
        # almost no contrast in brightness, plenty in colour.
        self.colour_channels = colour_channels
        # Detailed, textured references also go through SIFT, where it is strongest.
        self.keypoints = KeypointMatcher(max_side=max_side)
        self.references: list[Reference] = []
        self.rejected: dict[str, str] = {}  # reference name -> why it is not used
        self._index: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def brands(self) -> list[str]:
        return sorted({r.brand for r in self.references})

    def add(self, brand: str, image: np.ndarray, name: str | None = None) -> bool:
        """Add one reference image (RGB or RGBA). False (and the reason in ``rejected``)
        when it cannot be used."""
        name = name or f"{brand}/{len(self.references)}"
        try:
            self.add_reference(build_reference(brand, name, image))
            self.keypoints.add(brand, image)
        except UnusableReference as exc:
            self.rejected[name] = str(exc)
            log.warning("logo reference %s not used: %s", name, exc)
            return False
        return True

    def add_reference(self, reference: Reference) -> None:
        self.references.append(reference)
        self._index = None

    def load_folder(self, root: Path) -> int:
        added = 0
        for brand_dir in sorted(p for p in Path(root).iterdir() if p.is_dir()):
            for file in sorted(brand_dir.iterdir()):
                if file.suffix.lower() in IMAGE_SUFFIXES:
                    added += self._add_file(brand_dir.name, file.name, file.read_bytes())
        return added

    def load_store(self, store, prefix: str = "brands/") -> int:
        added = 0
        for obj in store.list(prefix):
            parts = obj.name[len(prefix) :].split("/")
            if len(parts) == 2:
                read = partial(store.read, obj.name)
                added += self.load_entry(parts[0], parts[1], read, size=obj.size)
        return added

    def _add_file(self, brand: str, file: str, data: bytes) -> bool:
        return self.load_entry(brand, file, lambda: data)

    def load_entry(self, brand: str, file: str, read, size: int | None = None) -> bool:
        """One library file (``read()`` gives its bytes, ``size`` their number when known).
        Whatever is wrong with it is recorded in ``rejected``: one bad file never takes the
        library down."""
        name = f"{brand}/{file}"
        suffix = Path(file).suffix.lower()
        if suffix not in IMAGE_SUFFIXES:
            return False
        if size is not None and size > MAX_FILE_BYTES:  # refused unread
            self.rejected[name] = f"{size} bytes; logo files are at most {MAX_FILE_BYTES} bytes"
            log.warning("logo reference %s not used: %s", name, self.rejected[name])
            return False
        try:
            image = decode_image(read(), suffix)
            why = "not an image OpenCV can read"
        except InvalidLogo as exc:
            image, why = None, str(exc)
        except Exception as exc:
            image, why = None, f"unreadable image ({type(exc).__name__}: {exc})"
        if image is None:
            self.rejected[name] = why
            log.warning("logo reference %s not used: %s", name, why)
            return False
        try:
            return self.add(brand, image, name)
        except Exception as exc:  # a reference that breaks the detector is refused, alone
            self.rejected[name] = f"the detector could not use it ({type(exc).__name__})"
            log.exception("logo reference %s not used", name)
            return False

    def merge(self, other: LogoMatcher) -> None:
        """Take over another matcher's references (built elsewhere, e.g. cached)."""
        for reference in other.references:
            self.add_reference(reference)
        self.keypoints.references += other.keypoints.references
        self.rejected.update(other.rejected)

    def _library(self) -> tuple[np.ndarray, np.ndarray, Regions]:
        if self._index is None:
            owners = [np.full(len(r.regions.areas), i) for i, r in enumerate(self.references)]
            regions = _concat([r.regions for r in self.references])
            self._index = (np.concatenate(owners) if owners else np.zeros(0, int), regions)
        return self._index[0], self._index[1].descriptors, self._index[1]

    # -- detection --
    def match(self, image: np.ndarray, brands: set[str] | None = None) -> list[Detection]:
        """Logos of the library found in an RGB frame (one detection per logo instance)."""
        if not self.references:
            return []
        height, width = image.shape[:2]
        scale = min(1.0, self.max_side / max(height, width))
        work = image if scale == 1.0 else cv2.resize(
            image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
        )  # fmt: skip
        found = self._match_channels(_channels(work, self.colour_channels), work, brands)
        if self.keypoints.references:
            found += self.keypoints.match(image, brands)
        return _suppress(found)

    def match_gray(self, gray: np.ndarray) -> list[Detection]:
        """Shape detections in a grey frame already at working scale (no colour check)."""
        return _suppress(self._match_channels([gray], None))

    def _match_channels(self, channels, work, brands=None) -> list[Detection]:
        hypotheses = []
        for index, channel in enumerate(channels):
            budget = self.max_hypotheses if index == 0 else self.max_hypotheses // 3
            for hypothesis in self._hypotheses(self._pyramid_regions(channel), brands, budget):
                hypothesis.channel = index
                hypotheses.append(hypothesis)
        # A cheap look at every hypothesis, the costly refinement for the few best places.
        looked = [(self._first_look(h, channels[h.channel]), h) for h in hypotheses]
        looked = sorted((x for x in looked if x[0] is not None), key=lambda x: -abs(x[0]))
        found, places = [], []
        for first, hypothesis in looked:
            centre = hypothesis.pose[:2, 2]
            if any(r == hypothesis.reference and np.hypot(*(centre - c)) < 8 for r, c in places):
                continue
            places.append((hypothesis.reference, centre))
            detection = self._verify(hypothesis, first, channels[hypothesis.channel], work)
            if detection is not None:
                found.append(detection)
            if len(places) >= self.max_refinements:
                break
        return found

    def _pyramid_regions(self, gray: np.ndarray) -> Regions:
        """Regions at full working scale (letters, strokes) and at 1/2 and 1/4 (where the
        strokes of a logo merge into one shape, as in the small reference renders)."""
        parts, level = [], gray
        # Large shapes are left to the coarser levels: they are found there for a
        # fraction of the pixels (the cost of describing a region grows with its area).
        for factor, max_fraction in ((1, 0.03), (2, 0.12), (4, 0.35)):
            if factor > 1:
                level = cv2.pyrDown(level)
            min_area = MIN_REGION_AREA if factor == 1 else 16
            regions = describe_regions(level, min_area, max_fraction)
            regions.areas = regions.areas * factor**2  # in working-scale pixels
            regions.centres = regions.centres * factor + (factor - 1) / 2
            regions.unwhiten = regions.unwhiten * factor
            regions.whiten = regions.whiten / factor
            parts.append(regions)
        return _concat(parts)

    def _hypotheses(self, frame: Regions, brands, budget: int) -> list[_Hypothesis]:
        owners, library, regions = self._library()
        if not len(frame.areas) or not len(owners):
            return []
        distance = _distances(frame.descriptors, library)
        if brands is not None:
            allowed = np.array([self.references[o].brand in brands for o in owners])
            distance[:, ~allowed] = np.inf
        # Which pairs to try first (measured on random scenes, bench/logos.py): close
        # shapes, from large reference regions (the whole glyph, big parts: rarer in
        # the world than a letter's stroke) and small frame regions (large ones are
        # mostly background), at a logo size that can be on screen at all.
        rows, cols = np.nonzero(distance < self.descriptor_distance)  # few: work on those
        side = np.sqrt(frame.areas[rows] / regions.areas[cols]) * TEMPLATE_SIDE
        plausible = (side >= SIDE_RANGE[0]) & (side <= SIDE_RANGE[1])
        rows, cols = rows[plausible], cols[plausible]
        keys = (
            distance[rows, cols]
            - AREA_PRIOR_REFERENCE * np.log(regions.areas[cols])
            + AREA_PRIOR_FRAME * np.log(frame.areas[rows])
        )
        # Each frame region proposes its few best reference regions (similar letters and
        # arcs make the single nearest one unreliable).
        order = np.lexsort((keys, rows))
        rows, cols, keys = rows[order], cols[order], keys[order]
        first = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]  # where each region's run starts
        rank = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
        keep = rank < self.per_region
        pairs, keys = np.stack([rows[keep], cols[keep]], axis=1), keys[keep]
        if not len(pairs):
            return []
        pairs = pairs[np.argsort(keys)[: budget * 2]]
        angles = _rotations(frame.spectra[pairs[:, 0]], regions.spectra[pairs[:, 1]])
        hypotheses, seen = [], set()
        for (f, r), options in zip(pairs, angles, strict=True):
            for angle in options:
                cos, sin = np.cos(angle), np.sin(angle)
                rotation = np.array([[cos, -sin], [sin, cos]])
                linear = frame.unwhiten[f] @ rotation @ regions.whiten[r]
                offset = frame.centres[f] - linear @ regions.centres[r]
                pose = np.eye(3)
                pose[:2, :2], pose[:2, 2] = linear, offset
                reference = int(owners[r])
                key = (reference, *np.round(offset / 6).astype(int), round(angle, 1))
                if key in seen:
                    continue
                seen.add(key)
                hypotheses.append(_Hypothesis(reference, pose))
            if len(hypotheses) >= budget:
                break
        return hypotheses

    def _first_look(self, hypothesis: _Hypothesis, gray: np.ndarray) -> float | None:
        """Blurred correlation of the reference with the frame under the pose (None: the
        pose is implausible or the shapes disagree)."""
        reference = self.references[hypothesis.reference]
        th, tw = reference.template.shape
        pose = hypothesis.pose
        # Implausible poses (mirror, a sliver, far bigger than the frame) are not worth a warp.
        linear = pose[:2, :2]
        det = np.linalg.det(linear)
        singular = np.linalg.svd(linear, compute_uv=False)
        if det <= 0 or singular[1] < 0.12 or singular[0] / singular[1] > 3.5:
            return None
        if singular[0] * TEMPLATE_SIDE > 1.2 * max(gray.shape):
            return None
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        patch = cv2.warpPerspective(gray, pose, (tw, th), flags=flags).astype(np.float32)
        # Blurred: forgives the coarse rotation step of the hypothesis.
        score = _ncc(reference.blurred, cv2.GaussianBlur(patch, (0, 0), 2.5))
        return score if abs(score) >= 0.45 else None

    def _verify(self, hypothesis: _Hypothesis, first: float, gray: np.ndarray, rgb: np.ndarray):
        reference = self.references[hypothesis.reference]
        template = reference.template
        th, tw = template.shape
        pose = hypothesis.pose
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        patch = cv2.warpPerspective(gray, pose, (tw, th), flags=flags).astype(np.float32)
        score = abs(_ncc(template, patch))
        target = template if first > 0 else 1 - template
        try:
            criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 15, 1e-3)
            warp = np.eye(3, dtype=np.float32)
            _, warp = cv2.findTransformECC(
                target, patch, warp, cv2.MOTION_HOMOGRAPHY, criteria, None, 3
            )
            refined = pose @ warp.astype(np.float64)
            patch = cv2.warpPerspective(gray, refined, (tw, th), flags=flags).astype(np.float32)
            refined_score = abs(_ncc(template, patch))
            if refined_score > score:  # ECC can wander off on a cluttered patch
                pose, score = refined, refined_score
        except cv2.error:
            pass
        if score < max(self.threshold, reference.threshold):
            return None
        if rgb is not None and not self._colour_agrees(reference, rgb, pose):
            return None
        quad = cv2.perspectiveTransform(reference.corners.reshape(-1, 1, 2), pose).reshape(-1, 2)
        if not plausible_quad(quad):
            return None
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        height, width = gray.shape
        return Detection(
            label=reference.brand,
            score=min(1.0, float(score)),  # NCC, up to rounding
            box=clip_box(x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height),
            kind="logo",
            source="logo-shape",
        )

    def _colour_agrees(self, reference: Reference, rgb: np.ndarray, pose: np.ndarray) -> bool:
        if reference.chroma is None:
            return True
        th, tw = reference.template.shape
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        patch = cv2.warpPerspective(rgb, pose, (tw, th), flags=flags).astype(np.float32)
        glyph = reference.template > 0.7
        if glyph.sum() < 8:
            return True
        colour = np.median(patch[glyph], axis=0)
        chroma = colour - colour.mean()
        size = np.linalg.norm(chroma)
        if size < 10:  # the glyph looks grey: a washed-out screen, a dark print
            return True
        return float(chroma @ reference.chroma) / size > 0.5


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float32), b.astype(np.float32)
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0, out=squared), out=squared)


def _ncc(template: np.ndarray, patch: np.ndarray) -> float:
    a = template - template.mean()
    b = patch - patch.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 0.0


def _suppress(found: list[Detection]) -> list[Detection]:
    """One detection per place: the best-scoring brand wins an overlap."""
    kept: list[Detection] = []
    for detection in sorted(found, key=lambda d: -d.score):
        if all(iou(detection.box, other.box) < 0.3 for other in kept):
            kept.append(detection)
    return kept
