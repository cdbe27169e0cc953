#!/usr/bin/env bash
# Publish the image in this folder: build it ONCE, push it under every tag the team's policy names.
#
# CI runs this as `bash publish.sh` in this folder, with these variables set (and nothing else but PATH,
# HOME and the Docker engine's address):
#   REGISTRY     registry host[:port], e.g. localhost:5000
#   NAMESPACE    e.g. acme
#   IMAGE_NAME   e.g. hello                     -> the repository is $REGISTRY/$NAMESPACE/$IMAGE_NAME
#   VERSION      e.g. 1.2.3 or 1.3.0-rc.1; EMPTY for a branch build
#   GIT_SHA      the full commit id being built
#   GIT_BRANCH   the branch it was built from, e.g. main or feature/Login-Page
#   PUBLISHED    the versions already in the registry, space-separated, e.g. "1.0.0 1.0.1 1.1.0-rc.1"
#
# The policy is in README.md. This version does far too little: every build, release or not,
# overwrites :latest, and nothing says which commit or version an image is.
set -euo pipefail

image="$REGISTRY/$NAMESPACE/$IMAGE_NAME"

docker build -t "$image:latest" .
docker push "$image:latest"
