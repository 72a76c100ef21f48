"""Run time of ``uses = "containerize"``: build (or skip) the image, stream the log, tag it."""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipekit import StepFailed, write_atomic
from pipekit_builtins import _docker_dockerfile as dockerfiles
from pipekit_builtins import _docker_git as git
from pipekit_builtins._docker_client import connect, say, short_reason
from pipekit_builtins._docker_context import (
    content_hash,
    context_files,
    context_tar,
    ignore_patterns,
)

HASH_LABEL = "dev.pipekit.context-hash"
TASK_LABEL = "dev.pipekit.task"
#: The Dockerfile's name inside the tar pipekit sends (removed by the daemon before COPY).
SENT_DOCKERFILE = ".pipekit-dockerfile"
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_STEP_RE = re.compile(r"^Step (\d+)/\d+ : ")


def build(
    *,
    task: str,
    image: str,
    tags: Sequence[str],
    context: str = ".",
    dockerfile: str = "Dockerfile",
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    labels: Mapping[str, str] | None = None,
    pull: bool = False,
    source: str | None = None,
    base: str = "python:3.11-slim",
    requirements: Sequence[str] = (),
    project: bool = False,
    command: Sequence[str] = (),
    port: int | None = None,
    write_dockerfile: bool = False,
    exclude: Sequence[str] = (),
    id_file: str | None = None,
) -> None:
    """Build ``image`` from ``context`` unless an image of the same content hash exists
    (``--force``, seen as ``PIPEKIT_FORCE=1``, builds it anyway). ``exclude``: paths in the
    context that other tasks write, left out of the hash and the context sent."""
    client = connect()
    ctx_dir = Path(context)
    if not ctx_dir.is_dir():
        raise StepFailed(f"build context '{context}' is not a folder", exit_code=2)
    generated = {"base": base, "requirements": requirements, "project": project}
    generated.update(command=command, port=port, task=task)
    df_text, df_name = _dockerfile(ctx_dir, dockerfile, generated, write=write_dockerfile)
    files = [f for f in context_files(ctx_dir, None, exclude) if f != ".dockerignore"]
    settings = _hashed_settings(build_args, target, labels)
    digest = content_hash(ctx_dir, files, df_text, settings)
    revision = git.commit(ctx_dir)
    refs = resolve_tags(image, tags, digest=digest, revision=revision)
    reused = _reuse(client, digest, refs)
    if reused is not None:
        _write_id(id_file, reused)
        return
    all_labels = _labels(image, task, digest, revision, source or git.source_url(ctx_dir))
    steps = dockerfiles.instructions(df_text)
    _ensure_bases(client, steps, df_name, pull)
    say(f"building {refs[0]} from {len(files)} files (context {digest[:12]})")
    image_id = _stream_build(
        client,
        steps,
        df_name,
        fileobj=_sent_context(ctx_dir, files, df_text),
        tag=refs[0],
        labels={**all_labels, **dict(labels or {})},
        buildargs=dict(build_args or {}),
        target=target,
        pull=pull,
    )
    _tag_all(client, image_id, refs)
    _report(refs, image_id)
    _write_id(id_file, image_id)


def _hashed_settings(
    build_args: Mapping[str, str] | None, target: str | None, labels: Mapping[str, str] | None
) -> dict[str, object]:
    """The build settings that change the image, hashed with the context."""
    return {"build_args": dict(build_args or {}), "target": target, "labels": dict(labels or {})}


def _write_id(path: str | None, image_id: str) -> None:
    """Leave the image's ID for the tasks that run in it (``container = "TASK"``); the file
    is rewritten only when the ID changed, so their up-to-date check stays a ``stat``."""
    if path is None:
        return
    target = Path(path)
    try:
        if target.read_text(encoding="utf-8") == image_id + "\n":
            return
    except OSError:
        pass
    write_atomic(str(target), image_id + "\n", make_folder=True)


def _labels(
    image: str, task: str, digest: str, revision: str | None, source: str | None
) -> dict[str, str]:
    """The OCI labels pipekit sets, and its own (the context hash finds the image again)."""
    out = {
        "org.opencontainers.image.created": _now(),
        "org.opencontainers.image.title": image.rsplit("/", 1)[-1],
        HASH_LABEL: digest,
        TASK_LABEL: task,
    }
    if revision:
        out["org.opencontainers.image.revision"] = revision
    if source:
        out["org.opencontainers.image.source"] = source
    return out


def _dockerfile(
    ctx_dir: Path, dockerfile: str, generated: Mapping[str, Any], *, write: bool
) -> tuple[str, str]:
    """(text, name for messages) of the project's Dockerfile, or of one generated from
    ``generated`` (written to ``dockerfile`` when ``write``)."""
    df_path = Path(dockerfile)
    if df_path.is_file():
        return df_path.read_text(encoding="utf-8"), dockerfile
    files = context_files(ctx_dir, None)
    df_text = dockerfiles.generate(
        base=generated["base"],
        requirements=[r for r in generated["requirements"] if (ctx_dir / r).is_file()],
        project=generated["project"] and (ctx_dir / "pyproject.toml").is_file(),
        command=list(generated["command"]) or dockerfiles.default_command(files),
        port=generated["port"],
        task=generated["task"],
    )
    if write:
        df_path.write_text(df_text, encoding="utf-8")
        say(f"wrote {dockerfile}: it is yours now, edit it as you like")
        return df_text, dockerfile
    say(f"no {dockerfile}: building from a generated one (write_dockerfile = true keeps it)")
    return df_text, f"{dockerfile} (generated)"


def _reuse(client: Any, digest: str, refs: Sequence[str]) -> str | None:
    """Tag the image built from this very context, if there is one, and return its ID;
    None to build."""
    found = client.images.list(filters={"label": f"{HASH_LABEL}={digest}"})
    if not found:
        return None
    if os.environ.get("PIPEKIT_FORCE") == "1":
        say(f"{refs[0]}: context {digest[:12]} is unchanged, rebuilding anyway (--force)")
        return None
    _tag_all(client, found[0].id, refs)
    say(f"{refs[0]} is up to date (context {digest[:12]} unchanged): build skipped")
    _report(refs, found[0].id)
    return str(found[0].id)


def _sent_context(ctx_dir: Path, files: Sequence[str], df_text: str) -> Any:
    """The tar sent to the daemon: ``files``, the Dockerfile and the .dockerignore.

    The daemon reads .dockerignore again and removes what it lists from the context before
    any COPY: the Dockerfile pipekit sends, and .dockerignore itself when the user has none.
    """
    mine = [] if (ctx_dir / ".dockerignore").is_file() else [".dockerignore"]
    ignore = "\n".join([*ignore_patterns(ctx_dir), SENT_DOCKERFILE, *mine]) + "\n"
    return context_tar(ctx_dir, files, {SENT_DOCKERFILE: df_text, ".dockerignore": ignore})


def resolve_tags(
    image: str, tags: Sequence[str], *, digest: str, revision: str | None
) -> list[str]:
    """``image:tag`` for every tag, placeholders filled; git tags dropped outside git."""
    values = {"context_hash": digest[:12], "git_sha": revision, "git_short": (revision or "")[:12]}
    out: list[str] = []
    for tag in tags:
        if ("{git_sha}" in tag or "{git_short}" in tag) and revision is None:
            say(f"tag '{tag}' skipped: the build context is not in a git repository with a commit")
            continue
        try:
            value = tag.format(**values)
        except (KeyError, IndexError, ValueError):
            raise StepFailed(
                f"tag '{tag}' uses an unknown placeholder; "
                "known: {git_sha}, {git_short}, {context_hash}",
                exit_code=2,
            ) from None
        if not _TAG_RE.fullmatch(value):
            raise StepFailed(
                f"tag '{value}' is not a valid Docker tag "
                "(letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')",
                exit_code=2,
            )
        ref = f"{image}:{value}"
        if ref not in out:
            out.append(ref)
    if not out:
        out.append(f"{image}:ctx-{digest[:12]}")
    return out


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tag_all(client: Any, image_id: str, refs: Sequence[str]) -> None:
    for ref in refs:
        repo, _, tag = ref.rpartition(":")
        client.api.tag(image_id, repo, tag)


def _report(refs: Sequence[str], image_id: str) -> None:
    for ref in refs:
        say(f"tagged {ref}")
    say(f"image {image_id}")


def _ensure_bases(client: Any, steps: Sequence[Any], df_name: str, pull: bool) -> None:
    """Every base image is local, or pulled now; else a StepFailed naming the FROM line."""
    import docker.errors

    for ref, line in dockerfiles.base_images(steps):
        if not pull:
            try:
                client.images.get(ref)
                continue
            except docker.errors.ImageNotFound:
                pass
        repo, tag = _split(ref)
        say(f"pulling base image {ref}")
        try:
            for chunk in client.api.pull(repo, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    raise docker.errors.APIError(chunk["error"])
        except docker.errors.APIError as exc:
            raise StepFailed(
                f"{df_name}:{line}: base image '{ref}' is not in the Docker engine and could "
                f"not be pulled: {short_reason(exc)}\n"
                "  hint: check the name; build or `docker load` it locally, or log in to the "
                "registry that has it (docker login)"
            ) from None


def _split(ref: str) -> tuple[str, str | None]:
    if "@" in ref:
        return ref, None
    repo, sep, tag = ref.rpartition(":")
    if sep and "/" not in tag:
        return repo, tag
    return ref, "latest"


def _stream_build(client: Any, steps: Sequence[Any], df_name: str, **kwargs: Any) -> str:
    """Run the build, printing its log line by line; the image id, or a StepFailed."""
    import docker.errors

    step_no = 0
    image_id: str | None = None
    pending = ""
    kwargs.update(custom_context=True, dockerfile=SENT_DOCKERFILE, rm=True, forcerm=True)
    try:
        for chunk in client.api.build(decode=True, **kwargs):
            if "stream" in chunk:
                pending += chunk["stream"]
                *lines, pending = pending.split("\n")
                for text in lines:
                    if match := _STEP_RE.match(text):
                        step_no = int(match.group(1))
                    if text.strip():
                        say(text.rstrip())
            elif "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
            elif "error" in chunk:
                if pending.strip():
                    say(pending.rstrip())
                raise StepFailed(_build_error(steps, step_no, df_name, chunk["error"]))
            elif "status" in chunk:
                say(" ".join(str(chunk[k]) for k in ("id", "status", "progress") if k in chunk))
    except docker.errors.APIError as exc:
        raise StepFailed(f"{df_name}: the build failed: {short_reason(exc)}") from None
    if pending.strip():
        say(pending.rstrip())
    if image_id is None:
        raise StepFailed(f"{df_name}: the build ended without an image")
    return image_id


def _build_error(steps: Sequence[Any], step_no: int, df_name: str, error: str) -> str:
    error = error.strip()
    if 1 <= step_no <= len(steps):
        step = steps[step_no - 1]
        return f"{df_name}:{step.line}: {step.text}\n  error: {error}"
    return f"{df_name}: the build failed: {error}"
