"""CLIP (open-clip-torch): zero-shot scene labels and brand names for frames and crops.

Labels become text prompts through templates (a prompt ensemble: the mean of
the normalised embeddings of several phrasings, as in the CLIP paper), and the
text embeddings are cached per (label set, templates), so a steady stream of
requests with the same labels never re-encodes text.

Weights: an open_clip pretrained tag (downloads where there is internet) or a
path to a checkpoint. Without them the service still runs; it says so in
/readyz and in every response that asked for scene or brand labels.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from gpu_service.detectors.base import ModelUnavailable

SCENE_TEMPLATES = ("a photo of {}.", "a video frame of {}.", "a scene showing {}.")
BRAND_TEMPLATES = ("a photo of the {} logo.", "a product made by {}.", "the brand {}.")


class ClipModel:
    def __init__(self, model_name: str = "ViT-B-32", weights: str = "openai", device: str = "auto"):
        import open_clip
        import torch

        self._torch = torch
        self.device = (
            ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        )
        pretrained = weights if weights else None
        if weights and not Path(weights).exists() and "/" in weights:
            raise ModelUnavailable(f"CLIP checkpoint not found: {weights}")
        try:
            model, _, preprocess = open_clip.create_model_and_transforms(
                model_name, pretrained=pretrained, device=self.device
            )
        except Exception as exc:
            raise ModelUnavailable(f"CLIP {model_name}/{weights} unavailable: {exc}") from exc
        model.eval()
        self.device = str(next(model.parameters()).device)  # where it is (what /readyz checks)
        if self.device.startswith("cuda"):
            model = model.half()
        self._model = model
        self._preprocess = preprocess
        self._tokenizer = open_clip.get_tokenizer(model_name)
        self._text_cache: dict[tuple, np.ndarray] = {}
        self._lock = threading.Lock()
        self.model = f"open_clip:{model_name}/{Path(weights).name if weights else 'untrained'}"

    def text_embeddings(self, labels: tuple[str, ...], templates: tuple[str, ...]) -> np.ndarray:
        key = (labels, templates)
        with self._lock:
            cached = self._text_cache.get(key)
        if cached is not None:
            return cached
        torch = self._torch
        prompts = [template.format(label) for label in labels for template in templates]
        with torch.inference_mode():
            tokens = self._tokenizer(prompts).to(self.device)
            encoded = self._model.encode_text(tokens).float()
            encoded = encoded / encoded.norm(dim=-1, keepdim=True)
            ensemble = encoded.reshape(len(labels), len(templates), -1).mean(dim=1)
            ensemble = ensemble / ensemble.norm(dim=-1, keepdim=True)
        embeddings = ensemble.cpu().numpy()
        with self._lock:
            self._text_cache[key] = embeddings
        return embeddings

    def image_embeddings(self, images: list[np.ndarray]) -> np.ndarray:
        from PIL import Image

        torch = self._torch
        batch = torch.stack([self._preprocess(Image.fromarray(image)) for image in images])
        batch = batch.to(self.device, dtype=next(self._model.parameters()).dtype)
        with torch.inference_mode():
            encoded = self._model.encode_image(batch).float()
            encoded = encoded / encoded.norm(dim=-1, keepdim=True)
        return encoded.cpu().numpy()

    def rank(
        self,
        embeddings: np.ndarray,
        labels: list[str],
        templates: tuple[str, ...] = SCENE_TEMPLATES,
    ) -> list[list[dict]]:
        """Per image embedding, every label with its softmax probability, best first."""
        text = self.text_embeddings(tuple(labels), templates)
        logits = 100.0 * embeddings @ text.T  # CLIP's learned temperature is ~100
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return [
            [{"label": labels[i], "score": round(float(row[i]), 4)} for i in np.argsort(row)[::-1]]
            for row in probs
        ]

    def classify(
        self,
        images: list[np.ndarray],
        labels: list[str],
        templates: tuple[str, ...] = SCENE_TEMPLATES,
        top_k: int = 5,
    ) -> list[list[dict]]:
        """Per image, the top labels with softmax probabilities over the label set."""
        if not images or not labels:
            return [[] for _ in images]
        return [row[:top_k] for row in self.rank(self.image_embeddings(images), labels, templates)]
