#!/bin/sh
# TCP probe run inside the tenant pod (busybox sh): nc with a connect timeout, a watchdog for an
# nc that holds a connection open, and one parseable line:
#   tcp-probe state=exited|missing rc=N elapsed_cs=N timeout_s=N err=<nc's first stderr line>
# Usage: sh -s -- ADDRESS PORT TIMEOUT_SECONDS  (the script arrives on standard input)
a=$1
p=$2
t=$3
if command -v nc >/dev/null 2>&1; then
    nc="nc"
elif command -v busybox >/dev/null 2>&1; then
    nc="busybox nc"
else
    echo "tcp-probe state=missing rc=127 elapsed_cs=0 timeout_s=$t err=neither nc nor busybox is in the pod"
    exit 0
fi
# Centiseconds since boot, from /proc/uptime (busybox has no date +%N).
cs() {
    read -r u _ </proc/uptime
    echo "${u%.*}${u#*.}"
}
e=$(mktemp 2>/dev/null || echo "/tmp/tcp-probe.$$")
s=$(cs)
# $nc is "nc" or "busybox nc": split on purpose.
# shellcheck disable=SC2086
$nc -w "$t" "$a" "$p" </dev/null >/dev/null 2>"$e" &
n=$!
(
    i=0
    while [ "$i" -le "$t" ] && kill -0 "$n" 2>/dev/null; do
        sleep 1
        i=$((i + 1))
    done
    kill "$n" 2>/dev/null
) >/dev/null 2>&1 &
w=$!
wait "$n"
rc=$?
el=$(($(cs) - s))
# The watchdog ends within a second of nc; waiting for it leaves no orphan behind.
wait "$w"
m=$(head -n 1 "$e" 2>/dev/null | tr -d '\r')
rm -f "$e"
echo "tcp-probe state=exited rc=$rc elapsed_cs=$el timeout_s=$t err=$m"
