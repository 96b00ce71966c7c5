#!/usr/bin/env bash
# A short fuzz run for CI: each target for 25 s from its committed seeds (plus the local
# corpus, if any), one job. Fails on any crash, hang or leak libFuzzer reports. Long runs:
#   cargo +nightly fuzz run open_native corpus/open_native seeds/open_native -- -jobs=1
set -euo pipefail
cd "$(dirname "$0")"
seconds=${ANNOY_FUZZ_SECONDS:-25}
for target in open_native load_annoy; do
  mkdir -p "corpus/$target"
  echo "fuzz $target for ${seconds}s"
  cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 |
    grep -E '^(stat::number_of_executed_units|==|SUMMARY|Done)' || true
  # The pipeline hides the status: any crash leaves an artifact.
  if compgen -G "artifacts/$target/*" >/dev/null; then
    echo "fuzz $target: crash artifacts in fuzz/artifacts/$target" >&2
    exit 1
  fi
done
