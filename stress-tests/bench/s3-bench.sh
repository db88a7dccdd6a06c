#!/usr/bin/env bash
# Issue 6 benchmark: blobsync on S3 against rclone, both on one S3Proxy (SigV4, on-disk) in one run.
#   upload:    1 GiB copied into the mount until `blobsync flush` says it is uploaded,
#              against `rclone copy` of the same size;
#   cold read: 1 GiB blob read through a second mount that has none of it cached,
#              against `rclone cat`.
# Each timed step follows an untimed 256 MiB warm-up (JIT), and reads start with the page
# cache dropped. Every run uses new random files: content addressing would make a repeated
# upload free.
# Usage: stress-tests/bench/s3-bench.sh [RUNS]   (needs: built jar with the fs module, fuse, rclone, root)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-1}
jar=${BLOBSYNC_JAR:-mount-cli/target/blobsync.jar}
[ -f "$jar" ] || mvn -q -B -ntp -DskipTests package
command -v rclone >/dev/null || { echo "needs rclone: apt-get install -y rclone" >&2; exit 1; }
classes=stress-tests/target/classes
[ -f "$classes/dev/blobsync/stress/S3BenchServer.class" ] || mvn -q -B -ntp -DskipTests -pl stress-tests -am compile

work=$(mktemp -d /var/tmp/blobsync-s3bench.XXXXXX)
pids=()
cleanup() {
  for m in "$work"/mnt-*; do fusermount -uz "$m" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

mvn -q -B -ntp -pl stress-tests -am dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
key=bench-key
secret=bench-secret-0123456789
java -cp "$classes:$(cat "$work/cp.txt")" dev.blobsync.stress.S3BenchServer "$work/s3" "$key" "$secret" \
  > "$work/s3.log" 2>&1 & pids+=($!)
for _ in $(seq 1 300); do grep -q '^port=' "$work/s3.log" && break; sleep 0.1; done
port=$(sed -n 's/^port=//p' "$work/s3.log")
[ -n "$port" ] || { cat "$work/s3.log" >&2; exit 1; }

# rclone 1.60's S3 backend fails on AWS_CA_BUNDLE (set in some environments); it talks http here.
rc() {
  env -u AWS_CA_BUNDLE RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other \
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$key" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$secret" \
    RCLONE_CONFIG_BENCH_ENDPOINT="http://127.0.0.1:$port" RCLONE_CONFIG_BENCH_REGION=us-east-1 \
    rclone --config /dev/null "$@"
}
rc mkdir bench:blobsync
rc mkdir bench:rclone

device() {
  cat > "$work/$1.yaml" <<EOF
data: {provider: sqlite, config: {hub: $work/hub}}
blobs:
  provider: s3
  config: {preset: minio, endpoint: "http://127.0.0.1:$port", bucket: blobsync, accessKeyId: $key, secretAccessKey: $secret}
cache: {directory: $work/cache-$1, maxSize: 8GB, minFreeDisk: 1GB}
offline: {uploadDelay: 0s, maxQueueSize: 4GB}
sync: {pollInterval: 500ms}
schema:
  photos:
    \$folderName: "{takenAt:yyyy-MM-dd} {title}"
    id: uuid
    title: string
    takenAt: { type: datetime, default: "2026-07-04T10:00:00Z" }
    familyId: { type: uuid, default: 7b1d7f6e-9a4b-4c55-9a55-0c7f3f0f7a01 }
    image: { type: blob, mimeTypes: ['image/*'] }
EOF
}
waitmount() { for _ in $(seq 1 300); do grep -q " $1 " /proc/mounts && return 0; sleep 0.1; done; echo "mount $1 failed" >&2; exit 1; }
mount() {
  mkdir -p "$work/mnt-$1"
  java -jar "$jar" mount --config "$work/$1.yaml" "$work/mnt-$1" >> "$work/$1.log" 2>&1 & pids+=($!)
  waitmount "$work/mnt-$1"
}
drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
record() { # the blob file of the record made from $2 in mount $1, once that mount lists it
  for _ in $(seq 1 600); do
    f=$(ls -d "$work/mnt-$1"/photos/*"$2"*/image.jpg 2>/dev/null | head -1)
    [ -n "$f" ] && { echo "$f"; return 0; }
    sleep 0.1
  done
  echo "record $2 did not appear in mount $1" >&2; exit 1
}

device a; device b
mkdir -p "$work/files"
mount a
head -c $((256 << 20)) /dev/urandom > "$work/files/warmup.jpg"
cp "$work/files/warmup.jpg" "$work/mnt-a/photos/"
java -jar "$jar" flush --config "$work/a.yaml" --timeout 600s > /dev/null 2>&1
rc copy "$work/files/warmup.jpg" bench:rclone/warmup/
mount b
dd if="$(record b warmup)" of=/dev/null bs=1M status=none   # warm-up of the reading side
rc cat bench:rclone/warmup/warmup.jpg > /dev/null

bs_up=(); bs_cp=(); rc_up=(); bs_rd=(); rc_rd=()
for run in $(seq 1 "$runs"); do
  name="big$run"
  head -c $((1 << 30)) /dev/urandom > "$work/files/$name.jpg"
  drop
  s=$(now); cp "$work/files/$name.jpg" "$work/mnt-a/photos/"; c=$(now)
  java -jar "$jar" flush --config "$work/a.yaml" --timeout 1200s > /dev/null 2>&1; e=$(now)
  bs_up+=("$(echo "$e - $s" | bc -l)"); bs_cp+=("$(echo "$c - $s" | bc -l)")
  drop
  s=$(now); rc copy "$work/files/$name.jpg" bench:rclone/; e=$(now)
  rc_up+=("$(echo "$e - $s" | bc -l)")

  f=$(record b "$name")
  drop
  s=$(now); dd if="$f" of=/dev/null bs=1M status=none; e=$(now)
  bs_rd+=("$(echo "$e - $s" | bc -l)")
  drop
  s=$(now); rc cat "bench:rclone/$name.jpg" > /dev/null; e=$(now)
  rc_rd+=("$(echo "$e - $s" | bc -l)")

  want=$(sha256sum < "$work/files/$name.jpg" | cut -c1-64)
  [ "$(sha256sum < "$f" | cut -c1-64)" = "$want" ] || { echo "the mount read other bytes" >&2; exit 1; }
  [ "$(rc cat "bench:rclone/$name.jpg" | sha256sum | cut -c1-64)" = "$want" ] || { echo "rclone read other bytes" >&2; exit 1; }
  rm -f "$work/files/$name.jpg"
done

bu=$(printf '%s\n' "${bs_up[@]}" | median); ru=$(printf '%s\n' "${rc_up[@]}" | median)
br=$(printf '%s\n' "${bs_rd[@]}" | median); rr=$(printf '%s\n' "${rc_rd[@]}" | median)
mbps() { echo "1073.741824 / $1" | bc -l; }
printf '\n| benchmark (median of %s) | blobsync | rclone | ratio (rclone time / blobsync time) |\n|---|---|---|---|\n' "$runs"
printf '| 1 GiB into the mount until uploaded vs `rclone copy` | %.2f s (%.0f MB/s) | %.2f s (%.0f MB/s) | %.2f |\n' \
  "$bu" "$(mbps "$bu")" "$ru" "$(mbps "$ru")" "$(echo "$ru / $bu" | bc -l)"
printf '| cold read of a 1 GiB blob through the mount vs `rclone cat` | %.2f s (%.0f MB/s) | %.2f s (%.0f MB/s) | %.2f |\n' \
  "$br" "$(mbps "$br")" "$rr" "$(mbps "$rr")" "$(echo "$rr / $br" | bc -l)"
echo "runs (s): upload blobsync ${bs_up[*]} (of which cp until close returned: ${bs_cp[*]}) / rclone ${rc_up[*]};"\
  "cold read blobsync ${bs_rd[*]} / rclone ${rc_rd[*]}"
