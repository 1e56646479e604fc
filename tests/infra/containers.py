"""What the container checks read from the repository's files, the way Docker reads them.

- :func:`final_stage`: a Dockerfile's last stage as instructions (FROM, USER, ENV, COPY,
  RUN, CMD), line continuations joined, comments dropped.
- :func:`compose_project`: compose.yaml (plus override files) interpolated with an .env
  the way ``docker compose config`` does (``${VAR:-default}``, ``${VAR:?message}``,
  ``$$``) and merged (later files win, mapping by mapping).
- :func:`generated_env`: the .env that ``make compose-up`` writes from .env.example.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from local.runner import ROOT


# --- Dockerfiles --------------------------------------------------------------------------------
@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        found = [args for kw, args in self.instructions if kw == keyword]
        return found[-1] if found else None

    @property
    def user(self) -> str:
        return self.last("USER") or "root"

    @property
    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for kw, args in self.instructions:
            if kw != "ENV":
                continue
            words = shlex.split(args)
            if len(words) >= 2 and "=" not in words[0]:  # legacy "ENV NAME value"
                values[words[0]] = " ".join(words[1:])
            else:
                values.update(word.split("=", 1) for word in words)
        return values

    @property
    def cmd(self) -> list[str]:
        return json.loads(self.last("CMD") or "[]")


def stages(dockerfile: Path) -> list[Stage]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    found: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else None
            found.append(Stage(words[0], name))
        else:
            found[-1].instructions.append((keyword, args))
    return found


def final_stage(dockerfile: Path) -> Stage:
    return stages(dockerfile)[-1]


@dataclass
class Copy:
    sources: list[str]
    dest: str
    from_stage: str | None
    chown: str | None


def copies(stage: Stage) -> list[Copy]:
    found = []
    for kw, args in stage.instructions:
        if kw != "COPY":
            continue
        words = args.split()
        flags = dict(w[2:].split("=", 1) for w in words if w.startswith("--"))
        paths = [w for w in words if not w.startswith("--")]
        found.append(Copy(paths[:-1], paths[-1], flags.get("from"), flags.get("chown")))
    return found


def created_users(stage: Stage) -> dict[str, int]:
    """Users a RUN creates with ``useradd ... --uid N name`` (Debian: group N of the same name)."""
    users = {}
    for kw, args in stage.instructions:
        if kw == "RUN":
            for uid, name in re.findall(r"useradd\b[^&;]*?--uid (\d+) (\w+)", args):
                users[name] = int(uid)
    return users


# --- compose ------------------------------------------------------------------------------------
COMPOSE_FILES = ("compose.yaml",)
_VARIABLE = re.compile(r"\$(?:\$|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


class MissingVariable(ValueError):
    """``${VAR:?message}`` with VAR unset or empty: compose refuses to start."""


def interpolate(value, env: dict[str, str]):
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        op, arg = match.group(2), match.group(3) or ""
        current = env.get(name)
        missing = current is None or (op is not None and op.startswith(":") and current == "")
        if op in ("-", ":-"):
            return arg if missing else current
        if op in ("?", ":?"):
            if missing:
                raise MissingVariable(f"required variable {name} is missing a value: {arg}")
            return current
        return current or ""

    return _VARIABLE.sub(one, value)


def merge(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return override


def read_env_file(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def generated_env() -> str:
    """.env as ``make compose-up`` writes it: every change-me-* value replaced by a new
    secret, the same placeholder by the same secret (Makefile, target compose-up)."""
    made: dict[str, str] = {}
    text = (ROOT / ".env.example").read_text()
    return re.sub(
        r"change-me[\w-]*", lambda m: made.setdefault(m[0], secrets.token_urlsafe(24)), text
    )


def compose_project(env_text: str, *files: str, root: Path = ROOT) -> dict:
    env = read_env_file(env_text)
    merged: dict = {}
    for name in files or COMPOSE_FILES:
        document = yaml.safe_load((root / name).read_text())
        document = {k: v for k, v in document.items() if not k.startswith("x-")}
        merged = merge(merged, interpolate(document, env))
    return merged


def service_environment(service: dict, env_text: str) -> dict[str, str]:
    """A service's variables as its container gets them: env_file (.env here), then
    ``environment``, which wins."""
    values = read_env_file(env_text) if service.get("env_file") else {}
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    values.update({k: "" if v is None else str(v) for k, v in environment.items()})
    return values
