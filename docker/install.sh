#!/bin/sh
# Installs Sovra into the virtual environment $UV_PROJECT_ENVIRONMENT exactly as uv.lock pins it:
# the project itself too (non-editable, so its metadata and version are there), none of the dev
# tools. The image runs it in two steps, for a dependency layer that survives code changes;
# tests/docker/test_image.py runs the same steps, found in the Dockerfile, without Docker.
#   sh docker/install.sh dependencies   (needs pyproject.toml and uv.lock)
#   sh docker/install.sh project        (needs the code as well)
set -eu

case "${1:-}" in
    dependencies)
        uv sync --locked --no-dev --no-editable --no-install-project
        ;;
    project)
        uv sync --locked --no-dev --no-editable
        # The wheel's build leaves its work files beside the code; the environment has the result.
        rm -rf build ./*.egg-info
        ;;
    *)
        echo "usage: sh docker/install.sh dependencies|project" >&2
        exit 2
        ;;
esac
