#!/usr/bin/env bash
# Installs the Debian packages the rehearsal and the tests need, where missing (as root):
# the local cloud (keystone, neutron-server), the network stand-ins' tools (iproute2, nftables,
# openssl), busybox for the tenant probe's nc, and python3-openstacksdk, the reference the
# credential test compares against.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(keystone neutron-server iproute2 nftables openssl busybox python3 python3-openstacksdk shellcheck)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if ! command -v node >/dev/null; then
    missing+=(nodejs)
fi
if ((${#missing[@]} > 0)); then
    printf '\n==> apt-get install %s\n' "${missing[*]}"
    apt-get update </dev/null
    apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
else
    printf '\n==> Debian packages already installed: %s\n' "${packages[*]}"
fi
