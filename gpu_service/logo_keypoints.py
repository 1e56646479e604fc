"""The keypoint path of the logo detector: SIFT + ratio test + RANSAC homography (OpenCV).

Strong where a logo has texture (detailed emblems, photos): many corners, a
precise pose. Flat glyphs and wordmarks give it too few keypoints, so
:mod:`gpu_service.logos` uses it only for references that have enough of them,
beside the shape path that every reference goes through.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from gpu_service.detections import Detection, clip_box

log = logging.getLogger(__name__)

REFERENCE_SIDE = 400


@dataclass
class Reference:
    brand: str
    keypoints: list
    descriptors: np.ndarray
    corners: np.ndarray  # 4 x 1 x 2, the reference image outline


class KeypointMatcher:
    def __init__(
        self,
        min_inliers: int = 12,
        ratio: float = 0.75,
        max_side: int = 1280,
        min_keypoints: int = 150,  # measured: only detailed emblems need SIFT beside shapes
    ):
        self._sift = cv2.SIFT_create()
        self._matcher = cv2.BFMatcher(cv2.NORM_L2)
        self.min_inliers = min_inliers
        self.ratio = ratio
        self.max_side = max_side
        self.min_keypoints = min_keypoints  # fewer: the shape path handles the reference alone
        # (measured: 150 keeps SIFT, ~100 ms a frame, to the detailed emblems that need it)
        self.references: list[Reference] = []

    @property
    def brands(self) -> list[str]:
        return sorted({r.brand for r in self.references})

    def add(self, brand: str, image: np.ndarray) -> bool:
        """Add one reference image (RGB or RGBA). False when it has too little texture."""
        gray, mask = self._reference_pixels(image)
        keypoints, descriptors = self._sift.detectAndCompute(gray, mask)
        if descriptors is None or len(keypoints) < self.min_keypoints:
            return False
        h, w = gray.shape
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]).reshape(-1, 1, 2)
        self.references.append(Reference(brand, keypoints, descriptors, corners))
        return True

    def match(self, image: np.ndarray, brands: set[str] | None = None) -> list[Detection]:
        """Logos of the library found in an RGB frame (best match per brand)."""
        if not self.references:
            return []
        gray, scale = self._frame_pixels(image)
        keypoints, descriptors = self._sift.detectAndCompute(gray, None)
        if descriptors is None or len(keypoints) < self.min_inliers:
            return []
        height, width = image.shape[:2]
        best: dict[str, Detection] = {}
        for reference in self.references:
            if brands is not None and reference.brand not in brands:
                continue
            found = self._match_one(reference, keypoints, descriptors, scale, width, height)
            if found and (reference.brand not in best or found.score > best[reference.brand].score):
                best[reference.brand] = found
        return sorted(best.values(), key=lambda d: -d.score)

    def _match_one(self, ref, keypoints, descriptors, scale, width, height) -> Detection | None:
        pairs = self._matcher.knnMatch(ref.descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < self.ratio * p[1].distance]
        if len(good) < self.min_inliers:
            return None
        src = np.float32([ref.keypoints[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
        dst = np.float32([keypoints[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
        homography, inlier_mask = cv2.findHomography(src, dst, cv2.RANSAC, 5.0)
        if homography is None:
            return None
        inliers = int(inlier_mask.sum())
        if inliers < self.min_inliers:
            return None
        quad = cv2.perspectiveTransform(ref.corners, homography).reshape(-1, 2) / scale
        if not plausible_quad(quad):
            return None
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
        score = (inliers / len(good)) * min(1.0, inliers / (3 * self.min_inliers))
        return Detection(
            label=ref.brand,
            score=float(score),
            box=clip_box(x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height),
            kind="logo",
            source="logo-keypoints",
        )

    def _reference_pixels(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        scale = REFERENCE_SIDE / max(image.shape[:2])
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        mask = None
        if image.shape[2] == 4:
            alpha = image[..., 3:].astype(np.float32) / 255
            # Transparent logos: composite onto white, and look for features only
            # on and right around the logo itself.
            image = (image[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
            mask = cv2.dilate((alpha[..., 0] > 0.1).astype(np.uint8) * 255, np.ones((15, 15)))
        return cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY), mask

    def _frame_pixels(self, image: np.ndarray) -> tuple[np.ndarray, float]:
        scale = min(1.0, self.max_side / max(image.shape[:2]))
        if scale < 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), scale


def plausible_quad(quad: np.ndarray) -> bool:
    """A real view of a flat logo projects to a convex, not-too-thin quadrilateral."""
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return False
    area = cv2.contourArea(quad.astype(np.float32))
    sides = np.linalg.norm(np.roll(quad, -1, axis=0) - quad, axis=1)
    return area > 100 and sides.min() > 0.1 * sides.max()
