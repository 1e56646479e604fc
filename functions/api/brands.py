"""/v1/brands: the brand list the models look for, and each brand's reference logos."""

from __future__ import annotations

from flask_openapi3 import APIBlueprint, FileStorage, Tag
from pydantic import BaseModel

from functions.api.auth import CONTROL, READ, SECURITY, require
from functions.api.errors import ApiError, ErrorBody
from functions.api.schemas import Brand, BrandList, BrandPath, Logo, LogoList, LogoPath, PutBrand
from functions.api.services import services
from functions.errors import BackendRejected, BackendUnavailable
from mediacore.logo_images import InvalidLogo, as_stored
from mediacore.schema import LogoCheck
from mediacore.settings import AnalyzerBackend

TAG = Tag(name="brands", description="Brands to monitor and their reference logo images")
bp = APIBlueprint(
    "brands", __name__, url_prefix="/v1/brands", abp_tags=[TAG], abp_security=SECURITY
)
ERRORS = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody}


class LogoUpload(BaseModel):
    file: FileStorage


def brand_view(doc: dict) -> dict:
    logos = len(services().brands.logos(doc["brand_id"]))
    return Brand(
        brand_id=doc["brand_id"], name=doc.get("name", doc["brand_id"]), logos=logos
    ).model_dump()


def existing(brand_id: str) -> dict:
    doc = services().brands.get(brand_id)
    if doc is None:
        raise ApiError(404, f"no brand {brand_id!r}")
    return doc


@bp.get("", responses={200: BrandList, **ERRORS})
@require(READ)
def list_brands():
    return {"brands": [brand_view(doc) for doc in services().brands.all()]}


@bp.put("/<brand_id>", responses={200: Brand, 201: Brand, **ERRORS})
@require(CONTROL)
def put_brand(path: BrandPath, body: PutBrand):
    """Add a brand to monitor (or rename it). Its id is the label results carry."""
    created = services().brands.put(path.brand_id, body.name)
    return brand_view(existing(path.brand_id)), 201 if created else 200


@bp.get("/<brand_id>", responses={200: Brand, **ERRORS})
@require(READ)
def get_brand(path: BrandPath):
    return brand_view(existing(path.brand_id))


@bp.delete("/<brand_id>", responses={204: None, **ERRORS})
@require(CONTROL)
def delete_brand(path: BrandPath):
    """Stop monitoring a brand and remove its logos (past results keep their counts)."""
    existing(path.brand_id)
    services().brands.delete(path.brand_id)
    return "", 204


@bp.get("/<brand_id>/logos", responses={200: LogoList, **ERRORS})
@require(READ)
def list_logos(path: BrandPath):
    existing(path.brand_id)
    checks = services().brands.checks(path.brand_id)
    return {
        "logos": [
            {**vars(logo), "check": checks.get(logo.logo_id.replace(".", "_"))}
            for logo in services().brands.logos(path.brand_id)
        ]
    }


def check_logo(data: bytes, filename: str) -> LogoCheck | None:
    """Ask the model service whether its detector finds this logo; None where the
    analyzer backend has no reference matcher of ours (Cloud Vision knows logos itself)."""
    from functions.backends.local import LocalBackend

    settings = services().settings
    if settings.analysis.backend is not AnalyzerBackend.LOCAL:
        return None
    try:
        return LocalBackend(settings).check_logo(data, filename)
    except BackendRejected as exc:
        raise ApiError(400, f"the logo image cannot be read: {exc}") from exc
    except BackendUnavailable as exc:
        raise ApiError(
            503, f"the model service that checks logos is not reachable; try again ({exc})"
        ) from exc


@bp.post(
    "/<brand_id>/logos",
    responses={201: Logo, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody, **ERRORS},
)
@require(CONTROL)
def add_logo(path: BrandPath, form: LogoUpload):
    """Upload a reference logo (PNG, JPEG, WebP or SVG, multipart field ``file``); a brand
    may have several (variants, colours). A file that is not such an image, or an SVG that
    cannot be rendered safely, is refused with 400 and the reason; an SVG is kept as its
    PNG rendering (400 px long side). The model service then renders it into test scenes
    and looks for it: an image it cannot use is refused with 422 and the reason; a usable
    one is stored with the verdict and matched from the next segment analysed."""
    existing(path.brand_id)
    data = form.file.read(services().settings.api.max_body_bytes + 1)
    if not data:
        raise ApiError(400, "empty file")
    try:
        data, extension = as_stored(data)  # an SVG becomes a bounded PNG here, once
    except InvalidLogo as exc:
        raise ApiError(400, str(exc)) from exc
    verdict = check_logo(data, f"logo.{extension}")
    if verdict is not None and not verdict.usable:
        raise ApiError(422, f"this logo cannot be used: {verdict.reason}")
    check = verdict.model_dump() if verdict is not None else None
    logo = services().brands.add_logo(path.brand_id, data)
    services().brands.record_check(path.brand_id, logo.logo_id, check)
    return {**vars(logo), "check": check}, 201


@bp.delete("/<brand_id>/logos/<logo_id>", responses={204: None, **ERRORS})
@require(CONTROL)
def delete_logo(path: LogoPath):
    existing(path.brand_id)
    if not services().brands.delete_logo(path.brand_id, path.logo_id):
        raise ApiError(404, f"no logo {path.logo_id!r} for brand {path.brand_id!r}")
    return "", 204
