"""Detector plugins register themselves here (as Frigate's detector plugins do).

A plugin is one module in this package. It declares a config class, a
:class:`~mediacore.settings.Section` whose ``type`` field is the plugin's name
(the discriminator of ``gpu_service.config.DetectorConfig``) and whose
``create()`` builds the detector, and calls ``register(name, ConfigClass)``
when it is imported. :func:`discover` imports every module of the package by
name, so the registry (and gpu_service's config) never import a plugin
statically: adding a detector is adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Protocol, Union

from pydantic import Field

from gpu_service.detectors.base import Detector

PACKAGE = "gpu_service.detectors"


class PluginConfig(Protocol):
    type: str

    def create(self) -> Detector:
        """Build the detector (loads its model; raises ModelUnavailable when it cannot)."""
        ...


_plugins: dict[str, type] = {}


def register(name: str, config_cls: type) -> type:
    """Make ``config_cls`` the config of detector ``name``; returns it, so it can decorate."""
    field = getattr(config_cls, "model_fields", {}).get("type")
    if field is None or field.default != name:
        raise TypeError(f"{config_cls.__name__} needs a field type: Literal[{name!r}] = {name!r}")
    if not callable(getattr(config_cls, "create", None)):
        raise TypeError(f"{config_cls.__name__} needs a create() that builds the detector")
    known = _plugins.get(name)
    if known is not None and _where(known) != _where(config_cls):  # a reload replaces itself
        raise ValueError(f"detector {name!r} is registered twice: {known} and {config_cls}")
    _plugins[name] = config_cls
    return config_cls


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def discover(package: str = PACKAGE) -> dict[str, type]:
    """Import every module of the plugin package; each plugin registers itself."""
    path = importlib.import_module(package).__path__
    for module in pkgutil.iter_modules(path):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package}.{module.name}")
    return plugins()


def plugins() -> dict[str, type]:
    """Registered detectors by name, in name order."""
    return dict(sorted(_plugins.items()))


def config_union() -> Any:
    """The discriminated union of every registered plugin's config (discriminator: type)."""
    classes = tuple(plugins().values())
    if not classes:
        raise RuntimeError("no detector plugin registered: call discover() first")
    if len(classes) == 1:
        return classes[0]
    return Annotated[Union[classes], Field(discriminator="type")]  # noqa: UP007


def create_detector(config: PluginConfig) -> Detector:
    """The detector a plugin config describes."""
    return config.create()
