#!/bin/sh
# Install the Debian packages listed in scripts/system-packages.txt that are missing.
# Runs only as root (CI runs as root on a clean machine); as a normal user it lists
# what is missing and carries on: tests needing those components skip with a reason.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list="$here/system-packages.txt"
missing=""
for pkg in $(grep -v '^[[:space:]]*#' "$list" | tr -s ' \n' '\n'); do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
if [ -z "$missing" ]; then
    echo "system packages: all present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system packages missing (run as root to install):$missing" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system packages missing and no apt-get here:$missing" >&2
    exit 0
fi
echo "installing system packages:$missing"
# Daemons (kamailio, coturn, dnsmasq) must not start on install: tests start their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing
[ "$created_policy" = 1 ] && rm -f "$policy"
exit 0
