#!/usr/bin/env bash
# Runs the Structured Streaming WordCount (streaming_wordcount.py); in file and window mode it also starts the
# data generator, which writes a new file into the input directory every 8 seconds while the program runs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"

MODE="file"
INPUT="input/"
OUTPUT="output/"
TRIGGER=10
WINDOW="2 minutes"
SLIDE="1 minute"
HOST="localhost"
PORT=9999
GENERATOR_INTERVAL="${GENERATOR_INTERVAL:-8}"
GENERATOR_DURATION="${GENERATOR_DURATION:-3600}"

usage() {
    cat <<EOF
Usage: $0 [options]

Options:
  -m MODE       file | window | socket (default: file)
  -i DIR        input directory (file/window mode, default: input/)
  -o DIR        output directory for the Parquet results (default: output/)
  -t SECONDS    trigger interval in seconds (file mode, default: 10)
  -w DURATION   window duration (window mode, default: "2 minutes")
  -s DURATION   slide duration (window mode, default: "1 minute")
  --host HOST   socket host (socket mode, default: localhost)
  --port PORT   socket port (socket mode, default: 9999)
  -h, --help    show this help

Examples:
  $0
  $0 -m file -i input/ -o output/ -t 5
  $0 -m window -w "2 minutes" -s "1 minute"
  $0 -m socket --host localhost --port 9999

Environment: PYTHON (interpreter, default python3), WORDCOUNT_TIMEOUT=SECONDS (stop after that long instead of
waiting for Ctrl+C), GENERATOR_INTERVAL / GENERATOR_DURATION (data generator, default 8 s / 3600 s).
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        -m) MODE="$2"; shift 2 ;;
        -i) INPUT="$2"; shift 2 ;;
        -o) OUTPUT="$2"; shift 2 ;;
        -t) TRIGGER="$2"; shift 2 ;;
        -w) WINDOW="$2"; shift 2 ;;
        -s) SLIDE="$2"; shift 2 ;;
        --host) HOST="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "Unknown option: $1" >&2; usage >&2; exit 1 ;;
    esac
done

GENERATOR_PID=""
cleanup() {
    if [[ -n "$GENERATOR_PID" ]] && kill -0 "$GENERATOR_PID" 2>/dev/null; then
        kill "$GENERATOR_PID" 2>/dev/null || true
        wait "$GENERATOR_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

start_generator() {
    mkdir -p "$INPUT"
    echo "Starting the data generator: a new file in $INPUT every $GENERATOR_INTERVAL seconds"
    "$PYTHON" "$HERE/data_generator.py" continuous "$INPUT" "$GENERATOR_INTERVAL" "$GENERATOR_DURATION" 1 &
    GENERATOR_PID=$!
}

case "$MODE" in
    file)
        start_generator
        "$PYTHON" "$HERE/streaming_wordcount.py" file "$INPUT" "$OUTPUT" "$TRIGGER"
        ;;
    window)
        start_generator
        "$PYTHON" "$HERE/streaming_wordcount.py" window "$INPUT" "$OUTPUT" "$WINDOW" "$SLIDE"
        ;;
    socket)
        echo "Send lines with: nc -lk $PORT (start it before this program)"
        "$PYTHON" "$HERE/streaming_wordcount.py" socket "$HOST" "$PORT"
        ;;
    *)
        echo "Unknown mode: $MODE" >&2
        usage >&2
        exit 1
        ;;
esac
