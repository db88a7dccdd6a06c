#!/usr/bin/env bash
# Issue 3 benchmark: warm sequential read of a cached 1 GiB blob through the mount, against
# the same file on local disk and through `rclone mount --vfs-cache-mode full`; and `ls -l` of
# a table of 10,000 records against `ls -l` of 10,000 files through that rclone mount.
# Usage: stress-tests/bench/cache-bench.sh [RUNS]   (needs: built jar, fuse, rclone; root for drop_caches)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
jar=mount-cli/target/blobsync.jar
[ -f "$jar" ] || mvn -q -B -ntp -DskipTests package
command -v rclone >/dev/null || { echo "needs rclone: apt-get install -y rclone" >&2; exit 1; }
classes=stress-tests/target/classes
[ -d "$classes/dev/blobsync/stress" ] || mvn -q -B -ntp -DskipTests -pl stress-tests -am compile

work=$(mktemp -d /var/tmp/blobsync-bench.XXXXXX)
pids=()
cleanup() {
  for m in "$work"/mnt-*; do fusermount -uz "$m" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
# seconds to read a file sequentially with 1 MiB requests
readtime() { drop; local s e; s=$(date +%s.%N); dd if="$1" of=/dev/null bs=1M status=none; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
lstime() { drop; local s e; s=$(date +%s.%N); ls -l "$1" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
waitmount() { for _ in $(seq 1 300); do grep -q " $1 " /proc/mounts && return 0; sleep 0.1; done; echo "mount $1 failed" >&2; exit 1; }

java -Dfile.encoding=UTF-8 -jar "$jar" init --hub "$work/hub" --cache "$work/cache" "$work/bs.yaml" >/dev/null
sed -i 's/^  directory: .*/&\n  maxSize: 4GB\n  minFreeDisk: 1GB/; s/^offline:/&\n  maxQueueSize: 4GB/' "$work/bs.yaml"
mkdir -p "$work/mnt-bs" "$work/mnt-rc" "$work/local" "$work/rc-cache"
java -Dfile.encoding=UTF-8 -jar "$jar" mount --config "$work/bs.yaml" "$work/mnt-bs" > "$work/bs.log" 2>&1 & pids+=($!)
waitmount "$work/mnt-bs"

head -c $((1 << 30)) /dev/urandom > "$work/local/big.jpg"
mkdir -p "$work/local/many"   # 10,000 small files for rclone's ls -l, made before rclone mounts
(cd "$work/local/many" && head -c $((10000 * 1024)) /dev/urandom | split -b 1024 -a 5 -d --additional-suffix=.jpg - f)
cp "$work/local/big.jpg" "$work/mnt-bs/photos/"
bsfile=$(ls -d "$work"/mnt-bs/photos/*/image.jpg | head -1)
java -Dfile.encoding=UTF-8 -jar "$jar" flush --config "$work/bs.yaml" >/dev/null 2>&1

rclone mount "$work/local" "$work/mnt-rc" --vfs-cache-mode full --cache-dir "$work/rc-cache" \
  --config /dev/null > "$work/rc.log" 2>&1 & pids+=($!)
waitmount "$work/mnt-rc"

# Warm-up: one full read each (JIT, rclone's cache fill).
dd if="$bsfile" of=/dev/null bs=1M status=none
dd if="$work/mnt-rc/big.jpg" of=/dev/null bs=1M status=none

bs=(); rc=(); lo=()
for _ in $(seq 1 "$runs"); do
  bs+=("$(readtime "$bsfile")"); lo+=("$(readtime "$work/local/big.jpg")"); rc+=("$(readtime "$work/mnt-rc/big.jpg")")
done
mb=$(( 1 << 10 ))
bs_t=$(printf '%s\n' "${bs[@]}" | median); lo_t=$(printf '%s\n' "${lo[@]}" | median); rc_t=$(printf '%s\n' "${rc[@]}" | median)

# ls -l: 10,000 records in a second table through the API, 10,000 files for rclone.
fusermount -u "$work/mnt-bs"; sleep 1
java -Dfile.encoding=UTF-8 -cp "$jar:$classes" dev.blobsync.stress.Populate "$work/bs.yaml" photos 10000 1024 2>>"$work/populate.log"
java -Dfile.encoding=UTF-8 -jar "$jar" mount --config "$work/bs.yaml" "$work/mnt-bs" >> "$work/bs.log" 2>&1 & pids+=($!)
waitmount "$work/mnt-bs"
ls -l "$work/mnt-bs/photos" > /dev/null; ls -l "$work/mnt-rc/many" > /dev/null   # warm-up
bl=(); rl=()
for _ in $(seq 1 "$runs"); do bl+=("$(lstime "$work/mnt-bs/photos")"); rl+=("$(lstime "$work/mnt-rc/many")"); done
bl_t=$(printf '%s\n' "${bl[@]}" | median); rl_t=$(printf '%s\n' "${rl[@]}" | median)
count=$(ls "$work/mnt-bs/photos" | wc -l)

printf '\n| benchmark (median of %s, page cache dropped before each run) | blobsync | peer | ratio (peer time / blobsync time) |\n|---|---|---|---|\n' "$runs"
printf '| sequential read of a cached 1 GiB file vs local disk | %.2f s (%.0f MB/s) | %.2f s (%.0f MB/s) | %.2f |\n' \
  "$bs_t" "$(echo "1073.741824 / $bs_t" | bc -l)" "$lo_t" "$(echo "1073.741824 / $lo_t" | bc -l)" "$(echo "$lo_t / $bs_t" | bc -l)"
printf '| sequential read of a cached 1 GiB file vs rclone mount --vfs-cache-mode full | %.2f s | %.2f s (%.0f MB/s) | %.2f |\n' \
  "$bs_t" "$rc_t" "$(echo "1073.741824 / $rc_t" | bc -l)" "$(echo "$rc_t / $bs_t" | bc -l)"
printf '| ls -l of %s records vs 10,000 files in rclone mount | %.3f s | %.3f s | %.2f |\n' \
  "$count" "$bl_t" "$rl_t" "$(echo "$rl_t / $bl_t" | bc -l)"
