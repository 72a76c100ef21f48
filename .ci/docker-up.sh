#!/usr/bin/env bash
# Bring up what the docker tests (pytest -m docker) need, idempotently:
#   1. Debian's docker.io engine and docker-registry on 127.0.0.1:5000 (from the shared recipe);
#   2. the local base images, built without Docker Hub (CI machines cannot pull):
#      - pipekit-test/busybox:1    FROM scratch + a static busybox (sh, httpd, wget): ~1 MB, 1 s;
#      - pipekit-test/python:3.11  busybox + this machine's own CPython (stdlib and pip, no
#        site-packages), `docker import`ed: ~60 MB, ~10 s, and tagged python:3.11-slim
#        when no such image exists so the examples' generated Dockerfiles build offline.
# Each image is rebuilt only when missing. Needs root.
set -euo pipefail
STATE=${CI_DOCKER_STATE:-/tmp/ci-docker}
PYTHON=${PYTHON:-python3}
mkdir -p "$STATE"

# 1. packages
if ! dpkg -s docker.io docker-registry busybox-static >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io docker-registry busybox-static >"$STATE/apt.log" 2>&1 \
    || { tail -30 "$STATE/apt.log"; exit 1; }
fi

# 2. engine
if ! docker info >/dev/null 2>&1; then
  rm -f /var/run/docker.pid
  nohup dockerd >"$STATE/dockerd.log" 2>&1 &
  echo $! >"$STATE/dockerd.pid"
  for _ in $(seq 1 300); do docker info >/dev/null 2>&1 && break; sleep 0.1; done
  docker info >/dev/null 2>&1 || { tail -50 "$STATE/dockerd.log"; exit 1; }
fi

# 3. registry on loopback (plain HTTP is allowed for 127.0.0.0/8)
if ! curl -sf http://127.0.0.1:5000/v2/ >/dev/null 2>&1; then
  mkdir -p "$STATE/registry-data"
  cat >"$STATE/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YML
  nohup docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 &
  echo $! >"$STATE/registry.pid"
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf http://127.0.0.1:5000/v2/ >/dev/null || { tail -50 "$STATE/registry.log"; exit 1; }
fi

# 4. base images
has_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! has_image pipekit-test/busybox:1; then
  dir=$(mktemp -d)
  cp /bin/busybox "$dir/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n' >"$dir/Dockerfile"
  docker build -q -t pipekit-test/busybox:1 "$dir" >/dev/null
  rm -rf "$dir"
fi

if ! has_image pipekit-test/python:3.11; then
  root=$(mktemp -d)
  prefix=$("$PYTHON" -c 'import sys; print(sys.base_prefix)')
  exe=$("$PYTHON" -c 'import os, sys; print(os.path.realpath(sys.executable))')
  ver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  stdlib="$prefix/lib/python$ver"
  mkdir -p "$root/bin" "$root/tmp" "$root$prefix/bin" "$root$stdlib/site-packages" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh ls cat echo env wget sleep rm mkdir; do ln -s busybox "$root/bin/$tool"; done
  cp -a "$exe" "$root$prefix/bin/python$ver"
  ln -s "python$ver" "$root$prefix/bin/python3"
  ln -s "python$ver" "$root$prefix/bin/python"
  cp -a "$prefix"/lib/libpython* "$root$prefix/lib/" 2>/dev/null || true
  # the standard library without its tests and GUI parts; pip from site-packages
  tar -C "$stdlib" --exclude=./test --exclude=./idlelib --exclude=./tkinter \
      --exclude=./turtledemo --exclude=./site-packages --exclude='__pycache__' -cf - . \
    | tar -C "$root$stdlib" -xf -
  cp -a "$stdlib"/site-packages/pip "$root$stdlib/site-packages/"
  cp -a "$stdlib"/site-packages/pip-*.dist-info "$root$stdlib/site-packages/"
  # the shared libraries the interpreter and its extension modules load
  for so in "$exe" "$prefix"/lib/libpython* "$stdlib"/lib-dynload/*.so; do
    ldd "$so" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'
  done | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  [ -e /lib64/ld-linux-x86-64.so.2 ] && mkdir -p "$root/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/" 2>/dev/null || true
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  tar -C "$root" -cf - . | docker import \
    -c "ENV PATH=$prefix/bin:/usr/local/bin:/usr/bin:/bin" \
    -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - pipekit-test/python:3.11 >/dev/null
  rm -rf "$root"
fi
if ! has_image python:3.11-slim; then
  docker tag pipekit-test/python:3.11 python:3.11-slim
fi
echo "docker engine $(docker version -f '{{.Server.Version}}') up; registry on 127.0.0.1:5000;" \
  "base images: pipekit-test/busybox:1 pipekit-test/python:3.11 python:3.11-slim"
