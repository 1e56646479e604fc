"""Container smoke tests: each image's start-up command run outside Docker, as the image's
user, against the file layout its Dockerfile builds.

Stands in for ``docker compose up`` of each image (this machine has no Docker engine).
Each test reads the image's Dockerfile (base image, USER, ENV, COPY, RUN, CMD) and the
service's compose.yaml entry, lays the image's files out at their real paths inside a
private mount and network namespace (``unshare``: the host's files and ports are not
touched), runs the image's own command as its uid with its environment, and talks to the
result over the namespace's loopback. As runc does before it starts a container's
process, the process's stdout and stderr are handed to that uid (nginx's /dev/stdout
logs depend on it). What is not Docker: the host's nginx 1.22 (Debian, with the RTMP
module) and Python 3.11 stand in for the images' own builds of them.

Needs root and ``unshare`` (skips without them).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from local.runner import ROOT
from tests.infra.containers import (
    compose_project,
    copies,
    created_users,
    final_stage,
    generated_env,
    read_env_file,
    service_environment,
)

HERE = Path(__file__).parent
NGINX_UNPRIVILEGED = HERE / "images" / "nginx-unprivileged"
SITE_PACKAGES = ROOT / ".venv" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
SITE_PACKAGES = SITE_PACKAGES / "site-packages"
# A private /tmp for the image's processes. The checkout itself may live under /tmp (CI
# clones into a temporary folder): it is carried over the new tmpfs by a bind mount. A
# checkout that is itself a 0700 folder (mktemp -d) could not be entered by the image's
# uid, as an image's files can: its root is opened to reading (go+rx, as git makes folders).
PRIVATE_TMP = (
    f"chmod go+rx {ROOT}\n"
    f"install -d /run/ma-smoke-root && mount --rbind {ROOT} /run/ma-smoke-root\n"
    "mount -t tmpfs -o mode=1777 tmpfs /tmp\n"
    f"mkdir -p {ROOT} && mount --rbind /run/ma-smoke-root {ROOT}\n"
)
PATH = "/tmp/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def namespaces_or_skip() -> None:
    missing = [
        t for t in ("unshare", "setpriv", "ip", "curl", "nginx", "envsubst") if not shutil.which(t)
    ]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (util-linux, iproute2, curl, nginx, gettext-base)")
    probe = subprocess.run(
        ["unshare", "--mount", "--net", "--propagation", "private", "true"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"needs root to make mount and network namespaces: {probe.stderr!r}")


def in_namespaces(script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a bash script as root in new mount and network namespaces (only loopback),
    where compose's service names resolve to loopback as on compose's network."""
    namespaces_or_skip()
    names = " ".join(compose_project(generated_env())["services"])
    with tempfile.NamedTemporaryFile("w", suffix=".hosts") as hosts:
        hosts.write(f"127.0.0.1 localhost {names}\n::1 localhost\n")
        hosts.flush()
        os.chmod(hosts.name, 0o644)
        prologue = f"set -eu\nip link set lo up\nmount --bind {hosts.name} /etc/hosts\n"
        return subprocess.run(
            ["unshare", "--mount", "--net", "--propagation", "private"]
            + ["bash", "-c", prologue + script],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def as_user(uid: int, gid: int, env: dict[str, str]) -> str:
    """The prefix that runs a command as uid:gid with only ``env`` (as a container)."""
    assignments = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    return f"setpriv --reuid={uid} --regid={gid} --clear-groups env -i {assignments}"


def hand_stdio_to(uid: int, gid: int) -> str:
    # runc's fixStdioPermissions: PID 1's stdio belong to the container's user.
    return f"chown {uid}:{gid} /proc/$$/fd/1 /proc/$$/fd/2\n"


def wait_tcp(port: int) -> str:
    """bash, after starting a process with `&`: wait until 127.0.0.1:port accepts or the
    process has ended (30 s at most: bounds a hang only)."""
    return (
        f"pid=$!\nfor i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null "
        f"&& break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done\n"
    )


def python_stand_in() -> str:
    """bash: /tmp/bin/python and functions-framework as the images have them on PATH (the
    host's Python with this checkout's packages; the venv's own interpreter lives under
    /root, which no other uid may enter)."""
    python = shutil.which("python3", path="/usr/bin:/bin")
    if not python:
        pytest.skip("needs /usr/bin/python3 (a Python any uid may run)")
    return (
        "install -d -m 0755 /tmp/bin\n"
        f"ln -s {python} /tmp/bin/python\n"
        "printf '#!/bin/sh\\nexec python -m functions_framework \"$@\"\\n' "
        "> /tmp/bin/functions-framework\n"
        "chmod 0755 /tmp/bin/functions-framework\n"
    )


PYTHONPATH = f"{ROOT}:{SITE_PACKAGES}"


# --- the dashboard (frontend/Dockerfile) --------------------------------------------------------
# What nginxinc/nginx-unprivileged:1.27.5-alpine holds under the paths our layers and nginx
# touch (mainline/alpine-slim/Dockerfile of nginxinc/docker-nginx-unprivileged): /etc/nginx
# and /var/cache/nginx owned by uid 101 and group 0 and group-writable, the html folder
# root's, the logs linked to the container's stdout/stderr. USER 101 is nginx, group 101.
NGINX_BASE = "nginxinc/nginx-unprivileged:"
FRONTEND_MOUNTS = ("/etc/nginx", "/usr/share/nginx", "/var/cache", "/var/log/nginx")
FRONTEND_BASE_LAYOUT = f"""
install -d -o 101 -g 0 -m 0775 /etc/nginx /etc/nginx/conf.d /var/cache/nginx
install -o 101 -g 0 -m 0664 {NGINX_UNPRIVILEGED}/nginx.conf /etc/nginx/nginx.conf
install -o 101 -g 0 -m 0664 "$STAGING/mime.types" /etc/nginx/mime.types
echo 'server {{ listen 8080; }}' > /etc/nginx/conf.d/default.conf
chown 101:0 /etc/nginx/conf.d/default.conf
install -d -m 0755 /usr/share/nginx/html
ln -s /dev/stdout /var/log/nginx/access.log
ln -s /dev/stderr /var/log/nginx/error.log
"""
# A RUN the test may replay (as the USER of the moment, like docker build): folder
# creation and ownership only, under the mounted folders. Anything else would change this
# machine instead of an image: teach the test first.
REPLAYABLE_RUN = re.compile(r"(install -d|mkdir|chown|chmod)\b[^;&|`$<>]*")


def replay_run(command: str, uid: int, gid: int, mounts: tuple[str, ...]) -> str:
    paths = [w for w in command.split() if w.startswith("/")]
    if not REPLAYABLE_RUN.fullmatch(command) or not all(
        any(p == m or p.startswith(m + "/") for m in mounts) for p in paths
    ):
        pytest.fail(f"the smoke test cannot replay `RUN {command}` safely: teach it")
    if uid == 0:
        return command + "\n"
    return f"setpriv --reuid={uid} --regid={gid} --clear-groups sh -c {shlex.quote(command)}\n"


def replay_copy(copy, context: Path, stand_ins: dict[str, Path]) -> str:
    """COPY as Docker does it: files to the named path, a folder's contents into the
    folder, missing parents created by root, everything root's unless --chown."""
    lines = []
    owner = copy.chown or "0:0"
    for source in copy.sources:
        origin = stand_ins[copy.from_stage] / source.lstrip("/") if copy.from_stage else None
        origin = origin or context / source
        if origin.is_dir():
            lines += [f"install -d {copy.dest}", f"cp -r {origin}/. {copy.dest}/"]
            lines.append(f"chown -R {owner} {copy.dest}")
        else:
            target = copy.dest + (origin.name if copy.dest.endswith("/") else "")
            lines += [f"install -d {Path(target).parent}", f"cp {origin} {target}"]
            lines.append(f"chown {owner} {target}")
    return "\n".join(lines) + "\n"


def frontend_layout(dockerfile: Path, staging: Path) -> tuple[str, dict[str, str]]:
    """The bash that builds the image's files under the mounts, and the image's ENV."""
    stage = final_stage(dockerfile)
    assert stage.base.startswith(NGINX_BASE), (
        f"the smoke test models {NGINX_BASE}, not {stage.base}"
    )
    # The build stage's output: the Angular build without config.json (`rm -f` in the build).
    build = staging / "build" / "src" / "dist" / "browser"
    build.mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><app-root></app-root>\n")
    shutil.copy("/etc/nginx/mime.types", staging / "mime.types")
    script = f"STAGING={staging}\n"
    script += "".join(f"mount -t tmpfs -o mode=0755 tmpfs {m}\n" for m in FRONTEND_MOUNTS)
    script += FRONTEND_BASE_LAYOUT
    users = {"root": (0, 0), "0": (0, 0), "101": (101, 101), "nginx": (101, 101)}
    uid, gid = users["101"]  # the base image's USER
    copy_iter = iter(copies(stage))
    for keyword, args in stage.instructions:
        if keyword == "USER":
            uid, gid = users[args]
        elif keyword == "RUN":
            script += replay_run(args, uid, gid, FRONTEND_MOUNTS)
        elif keyword == "COPY":
            script += replay_copy(next(copy_iter), dockerfile.parent, {"build": staging / "build"})
    return script, stage.env


def run_dashboard(dockerfile: Path, staging: Path, compose_env: dict[str, str]):
    """The image's start-up as uid 101: the entrypoint's envsubst step, then nginx; then
    GET /config.json and / over the namespace's loopback."""
    layout, image_env = frontend_layout(dockerfile, staging)
    user = final_stage(dockerfile).user
    assert user in ("101", "nginx"), f"the smoke test models uid 101, the image runs as {user}"
    env = {"PATH": PATH, "HOME": "/", **image_env, **compose_env}
    run = as_user(101, 101, env)
    script = (
        layout
        + (
            PRIVATE_TMP
            + hand_stdio_to(101, 101)
            + f"{run} {NGINX_UNPRIVILEGED}/20-envsubst-on-templates.sh\n"
            + f"{run} nginx -t\n"
            + f"{run} nginx -g 'daemon off;' &\n"
            + wait_tcp(8080)
            # One line each (nginx's access log shares the output): the body in base64.
            + "curl -s -o /tmp/config.json -w '::status %{http_code}\\n' "
            "http://127.0.0.1:8080/config.json\n"
            + 'echo "::config.json $(base64 -w0 /tmp/config.json)"\n'
            + "curl -s -o /dev/null -w '::index %{http_code}\\n' http://127.0.0.1:8080/\n"
            + "kill %1; wait %1 || true\n"
        )
    )
    return in_namespaces(script)


def dashboard_config(result) -> tuple[dict | None, int]:
    status = int(re.search(r"::status (\d+)", result.stdout)[1])
    body = base64.b64decode(re.search(r"::config.json (\S*)", result.stdout)[1])
    try:
        return json.loads(body), status
    except json.JSONDecodeError:
        return None, status


def frontend_compose_env() -> dict[str, str]:
    env_text = generated_env()
    service = compose_project(env_text)["services"]["frontend"]
    return service_environment(service, env_text)


def test_dashboard_image_serves_its_config_json(tmp_path):
    compose_env = frontend_compose_env()
    result = run_dashboard(ROOT / "frontend" / "Dockerfile", tmp_path, compose_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout, result.stdout  # the entrypoint's envsubst failing
    config, status = dashboard_config(result)
    assert status == 200 and config is not None, result.stdout + result.stderr
    # The compose settings reached the page (frontend/docker/config.json.template).
    assert config["apiBase"] == compose_env["API_BASE"]
    assert config["signIn"] == compose_env["SIGN_IN"] == "none"
    assert config["emulators"]["firestore"] == compose_env["FIRESTORE_EMULATOR"]
    assert "::index 200" in result.stdout


def test_dashboard_smoke_test_catches_an_unwritable_config_folder(tmp_path):
    """The image as it was (no folder for the rendered config): the entrypoint logs an
    error, nginx starts anyway and /config.json is 404 — the blank page of issue 16."""
    broken = tmp_path / "frontend"
    shutil.copytree(ROOT / "frontend" / "docker", broken / "docker")
    text = (ROOT / "frontend" / "Dockerfile").read_text()
    text = re.sub(r"(?m)^RUN install -d .*/usr/share/nginx/config\n", "", text)
    (broken / "Dockerfile").write_text(text)
    staging = tmp_path / "staging"
    staging.mkdir()
    result = run_dashboard(broken / "Dockerfile", staging, frontend_compose_env())
    assert "/usr/share/nginx/config is not writable" in result.stdout, result.stdout
    assert dashboard_config(result) == (None, 404)


# --- the ingest (ingest/Dockerfile) -------------------------------------------------------------
def ingest_user() -> tuple[int, int]:
    stage = final_stage(ROOT / "ingest" / "Dockerfile")
    uid = created_users(stage)[stage.user]
    assert uid != 0
    return uid, uid  # useradd: a group of the same name and number


def run_rtmp(template: Path | None = None):
    """compose's rtmp service (`python -m ingest nginx`: render the config, exec nginx) as
    the image's user, with the image's and compose's environment; then connect to the RTMP
    port. /var/log/nginx is as Debian's nginx package leaves it (root's, mode 0755)."""
    uid, gid = ingest_user()
    stage = final_stage(ROOT / "ingest" / "Dockerfile")
    env_text = generated_env()
    service = compose_project(env_text)["services"]["rtmp"]
    env = {**stage.env, **service_environment(service, env_text)}
    # The image's /data (a volume of the user's) and /home/ingest: the same, elsewhere.
    env.update(
        PATH=PATH, PYTHONPATH=PYTHONPATH, HOME="/tmp/home", MA_DATA_DIR="/tmp/data", PWD="/app"
    )
    port = int(env.get("MA_RTMP_PORT", "1935"))
    command = " ".join(shlex.quote(word) for word in service["command"])
    script = (
        (f"mount --bind {template} {ROOT}/ingest/nginx.conf.template\n" if template else "")
        + "mount -t tmpfs -o mode=0755 tmpfs /var/log/nginx\nchown root:adm /var/log/nginx\n"
        + PRIVATE_TMP
        + python_stand_in()
        + f"install -d -o {uid} -g {gid} /tmp/data /tmp/home\n"
        + hand_stdio_to(uid, gid)
        + f"cd {ROOT}\n{as_user(uid, gid, env)} {command} &\n"
        + wait_tcp(port)
        + "sleep 1\n"  # nginx has started its worker, or has failed, by now
        + "if kill -0 %1 2>/dev/null; then echo '::running'; fi\n"
        + f"(exec 3<>/dev/tcp/127.0.0.1/{port}) && echo '::rtmp port open'\n"
        + "kill %1 2>/dev/null || true; wait %1 || true\n"
    )
    return in_namespaces(script)


def test_ingest_image_runs_nginx_rtmp_as_its_user():
    result = run_rtmp()
    output = result.stdout + result.stderr
    assert "::running" in result.stdout and "::rtmp port open" in result.stdout, output
    assert "[emerg]" not in output, output


def test_ingest_smoke_test_catches_a_root_only_log_file(tmp_path):
    """nginx-rtmp's default access log (/var/log/nginx/access.log, the config before
    3dc7049 had no access_log line) cannot be opened by the image's user: nginx stops."""
    template = tmp_path / "nginx.conf.template"
    text = (ROOT / "ingest" / "nginx.conf.template").read_text()
    template.write_text(re.sub(r"(?m)^\s*access_log .*\n", "", text))
    template.chmod(0o644)
    result = run_rtmp(template)
    output = result.stdout + result.stderr
    assert '"/var/log/nginx/access.log" failed (13: Permission denied)' in output, output
    assert "::running" not in result.stdout


# --- the functions (functions/Dockerfile) -------------------------------------------------------
def run_function(service_name: str, env_text: str, probe: str):
    """One of compose's function services: the image's CMD (functions-framework with the
    service's FUNCTION_TARGET) as the image's user, with the image's ENV, .env and the
    service's environment; then ``probe`` (a curl argument list) on its port."""
    stage = final_stage(ROOT / "functions" / "Dockerfile")
    uid = created_users(stage)[stage.user]
    service = compose_project(env_text)["services"][service_name]
    env = {**stage.env, **service_environment(service, env_text)}
    env.update(PATH=PATH, PYTHONPATH=PYTHONPATH, HOME="/tmp/home")
    command = " ".join(shlex.quote(word) for word in service.get("command") or stage.cmd)
    port = int(env["PORT"])
    script = (
        PRIVATE_TMP
        + python_stand_in()
        + f"install -d -o {uid} -g {uid} /tmp/home\n"
        + hand_stdio_to(uid, uid)
        + f"cd {ROOT}\n{as_user(uid, uid, env)} {command} &\n"
        + wait_tcp(port)
        + f"curl -s -o /dev/null -w '::status %{{http_code}}\\n' {probe}\n"
        + "kill %1 2>/dev/null || true; wait %1 || true\n"
    )
    return in_namespaces(script)


@pytest.mark.parametrize(
    "service, probe, expected",
    [
        ("api", "http://127.0.0.1:8080/v1/openapi.json", "200"),
        # MinIO's HEAD probe, with the token compose gives MinIO.
        (
            "analyze-webhook",
            "-I -H 'Authorization: Bearer $MA_WEBHOOK_TOKEN' http://127.0.0.1:8080/",
            "204",
        ),
        # functions-framework's CloudEvent target: a POST that is no CloudEvent.
        (
            "analyze",
            "-X POST -H 'Content-Type: application/json' -d {} http://127.0.0.1:8080/",
            "400",
        ),
    ],
)
def test_function_images_start_as_their_user(service, probe, expected):
    env_text = generated_env()
    token = read_env_file(env_text)["MA_WEBHOOK_TOKEN"]
    result = run_function(service, env_text, probe.replace("$MA_WEBHOOK_TOKEN", token))
    assert f"::status {expected}" in result.stdout, result.stdout + result.stderr


def test_function_image_refuses_the_example_secrets():
    """`cp .env.example .env` without new secrets: the process stops at start."""
    result = run_function("api", (ROOT / ".env.example").read_text(), "http://127.0.0.1:8080/")
    assert "::status 000" in result.stdout  # nothing listens
    assert "placeholder" in result.stderr, result.stderr


# --- the model service (gpu_service/Dockerfile.cpu, gpu_service/Dockerfile) ---------------------
@pytest.mark.parametrize("dockerfile", ["Dockerfile.cpu", "Dockerfile"])
def test_model_service_entry_point_imports_as_its_user(dockerfile):
    """The CMD's gunicorn app (module:factory) imports as the image's user. Only imported:
    calling the factory loads the models (tests/gpu and the integration tests do that)."""
    stage = final_stage(ROOT / "gpu_service" / dockerfile)
    uid = created_users(stage)[stage.user]
    app = next(word for word in stage.cmd if ":" in word and not word[0].isdigit())
    module, factory = app.split(":")
    assert stage.cmd[0] == "gunicorn" and factory.endswith("()"), stage.cmd
    env = {**stage.env, "PATH": PATH, "PYTHONPATH": PYTHONPATH, "HOME": "/tmp/home"}
    check = f"import gunicorn, {module} as m; assert callable(m.{factory[:-2]}); print('::ok')"
    script = (
        PRIVATE_TMP
        + python_stand_in()
        + f"install -d -o {uid} -g {uid} /tmp/home\n"
        + f"cd {ROOT}\n{as_user(uid, uid, env)} python -c {shlex.quote(check)}\n"
    )
    result = in_namespaces(script)
    assert "::ok" in result.stdout, result.stdout + result.stderr


def test_ingest_image_serves_its_hooks_as_its_user():
    """compose's ingest service: the image's CMD (`python -m ingest serve`: publish hooks and
    uploader) as its user; its HEALTHCHECK's URL answers."""
    uid, gid = ingest_user()
    stage = final_stage(ROOT / "ingest" / "Dockerfile")
    env_text = generated_env()
    service = compose_project(env_text)["services"]["ingest"]
    env = {**stage.env, **service_environment(service, env_text)}
    env.update(PATH=PATH, PYTHONPATH=PYTHONPATH, HOME="/tmp/home", MA_DATA_DIR="/tmp/data")
    port = int(env.get("MA_INGEST_PORT", "8086"))
    command = " ".join(shlex.quote(word) for word in service.get("command") or stage.cmd)
    script = (
        PRIVATE_TMP
        + python_stand_in()
        + f"install -d -o {uid} -g {gid} /tmp/data /tmp/home\n"
        + hand_stdio_to(uid, gid)
        + f"cd {ROOT}\n{as_user(uid, gid, env)} {command} &\n"
        + wait_tcp(port)
        + f"curl -s -o /dev/null -w '::status %{{http_code}}\\n' http://127.0.0.1:{port}/healthz\n"
        + "kill %1 2>/dev/null || true; wait %1 || true\n"
    )
    result = in_namespaces(script)
    assert "::status 200" in result.stdout, result.stdout + result.stderr
