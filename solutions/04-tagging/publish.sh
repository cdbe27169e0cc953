#!/usr/bin/env bash
# Reference answer to exercises/04-tagging: build the image in this folder ONCE and push it under
# every tag the policy names (see README.md). Inputs, all from the environment:
#   REGISTRY NAMESPACE IMAGE_NAME   where: $REGISTRY/$NAMESPACE/$IMAGE_NAME
#   VERSION                         1.2.3 or 1.3.0-rc.1 for a release; empty for a branch build
#   GIT_SHA GIT_BRANCH              the commit and the branch it was built from
#   PUBLISHED                       versions already in the registry, space-separated
set -euo pipefail

: "${REGISTRY:?set REGISTRY, e.g. localhost:5000}" "${IMAGE_NAME:?set IMAGE_NAME, e.g. hello}" "${GIT_SHA:?set GIT_SHA to the commit id}"
NAMESPACE="${NAMESPACE:-}"
VERSION="${VERSION:-}"
VERSION="${VERSION#v}"            # v1.2.3 -> 1.2.3
GIT_BRANCH="${GIT_BRANCH:-}"
PUBLISHED="${PUBLISHED:-}"
repository="$REGISTRY/${NAMESPACE:+$NAMESPACE/}$IMAGE_NAME"

# is_highest VERSION [OTHER...]: true when VERSION sorts last (or equal last) among all of them.
is_highest() {
  local version=$1
  shift
  [ "$(printf '%s\n' "$version" "$@" | sort -V | tail -n 1)" = "$version" ]
}

tags=()
if [ -n "$VERSION" ]; then
  # A release: its own version always; floating tags only for the highest stable version they cover.
  if ! [[ $VERSION =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "VERSION=$VERSION is not MAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH-prerelease" >&2
    exit 2
  fi
  major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} prerelease=${BASH_REMATCH[4]}
  tags+=("$VERSION")
  if [ -z "$prerelease" ]; then
    stable=() same_major=() same_minor=()
    for published in $PUBLISHED; do
      published=${published#v}
      [[ $published =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue   # pre-releases never hold a floating tag
      stable+=("$published")
      case $published in "$major".*) same_major+=("$published") ;; esac
      case $published in "$major.$minor".*) same_minor+=("$published") ;; esac
    done
    if is_highest "$VERSION" "${same_minor[@]}"; then tags+=("$major.$minor"); fi
    if [ "$major" != 0 ] && is_highest "$VERSION" "${same_major[@]}"; then tags+=("$major"); fi   # 0.x promises nothing
    if is_highest "$VERSION" "${stable[@]}"; then tags+=(latest); fi
  fi
fi

# Every build: the commit it came from.
sha=$(printf '%s' "$GIT_SHA" | tr 'A-F' 'a-f')
if ! [[ $sha =~ ^[0-9a-f]{7,}$ ]]; then
  echo "GIT_SHA=$GIT_SHA is not a commit id" >&2
  exit 2
fi
tags+=("sha-${sha:0:7}")

if [ -z "$VERSION" ]; then
  # A branch build: the branch name made into a valid tag (feature/Login-Page -> feature-login-page).
  branch=$(printf '%s' "${GIT_BRANCH#refs/heads/}" | tr '[:upper:]' '[:lower:]' \
    | sed -E 's/[^a-z0-9_.-]+/-/g; s/-+/-/g; s/^[.-]+//' | cut -c1-128 | sed -E 's/[.-]+$//')
  if [ -z "$branch" ]; then
    echo "a branch build needs GIT_BRANCH (got '$GIT_BRANCH')" >&2
    exit 2
  fi
  tags+=("$branch")
fi

# Build ONCE, naming every tag; record where the image came from in standard labels.
build_args=(--label "org.opencontainers.image.revision=$GIT_SHA")
if [ -n "$VERSION" ]; then build_args+=(--label "org.opencontainers.image.version=$VERSION"); fi
for tag in "${tags[@]}"; do build_args+=(--tag "$repository:$tag"); done
docker build "${build_args[@]}" .

# Push each tag by name (never --all-tags: it would also push stale local tags of this repository).
for tag in "${tags[@]}"; do
  docker push "$repository:$tag"
done
echo "published $repository as: ${tags[*]}"
