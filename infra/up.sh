#!/usr/bin/env bash
# Starts what the tests and the production-mode runs need: Kafka and Redis.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/redis/start.sh"
bash "$here/kafka/start.sh"
