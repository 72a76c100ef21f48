"""The GitHub Actions that emitted workflows use, each pinned to a full commit SHA.

One table, one place to update, for the built-in emitters and third-party plugins alike:
``pipekit.pinned_action("docker/build-push-action")``. Every SHA below was confirmed to be
the commit its tag points to by public workflows that pin the same SHA with the same
version comment (see docs/emitters.md, "Pinned actions").
"""

from __future__ import annotations

#: action -> (commit SHA, the release tag it stands for)
PINNED_ACTIONS: dict[str, tuple[str, str]] = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    # actions/cache v4.3.0; its restore and save sub-actions are folders of the same commit
    "actions/cache": ("0057852bfaa89a56745cba8c7296529d2fc39830", "v4.3.0"),
    "actions/cache/restore": ("0057852bfaa89a56745cba8c7296529d2fc39830", "v4.3.0"),
    "actions/cache/save": ("0057852bfaa89a56745cba8c7296529d2fc39830", "v4.3.0"),
    "docker/login-action": ("74a5d142397b4f367a81961eba4e8cd7edddf772", "v3.4.0"),
    "docker/setup-buildx-action": ("b5ca514318bd6ebac0fb2aedd5d36ec1b5c232a2", "v3.10.0"),
    "docker/build-push-action": ("263435318d21b8e681c14492fe198d362a7d2c83", "v6.18.0"),
}


def pinned_action(name: str) -> str:
    """``owner/repo@<sha>`` for a workflow step's ``uses`` (the github emitter adds the
    version comment). Raises KeyError for an action not in :data:`PINNED_ACTIONS`."""
    sha, _ = PINNED_ACTIONS[name]
    return f"{name}@{sha}"


def action_version(name: str) -> str:
    """The release tag the pinned SHA of ``name`` stands for (``v4.2.2``)."""
    return PINNED_ACTIONS[name][1]
