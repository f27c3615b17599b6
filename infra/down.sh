#!/usr/bin/env bash
# Stops the local Kafka broker. Redis is left running: it may be the machine's own.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/kafka/stop.sh"
