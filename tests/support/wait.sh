# Shared by the shell tests (source it): waiting on a condition with a wall-clock deadline, so
# that a loaded machine makes a test slower, never wrong.
#
#   wait_until SECONDS WHAT COMMAND [ARGS...]
#
# Runs COMMAND until it succeeds; gives up after SECONDS of wall-clock time, saying "WHAT did
# not happen within SECONDS s" on stderr and returning 1. COMMAND runs in the calling shell, so a
# function may set variables for the caller, or call the test's own `fail` to stop at once (a
# daemon that exited, for instance).
wait_until() {
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "$what did not happen within $limit s" >&2
      return 1
    fi
    sleep 0.2
  done
}
