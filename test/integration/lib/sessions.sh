# Sourced by tests: psql sessions kept open across statements (a backend that keeps its state:
# buffered rows, a kept GC scan, an open transaction). Needs $DIR (scratch) and an array the
# caller kills on exit, named by SESSION_PIDS_VAR (default `pids`).
#   open_session NAME         a psql reading $DIR/NAME.in, writing $DIR/NAME.out
#   send NAME "SQL"           one statement (or several) to it
#   wait_lines NAME N         waits (15 s at most) until its output has N lines
open_session() {
  mkfifo "$DIR/$1.in"
  psql -X -qtA -v ON_ERROR_STOP=1 -d "${PGDATABASE:-postgres}" <"$DIR/$1.in" >"$DIR/$1.out" 2>&1 &
  eval "${SESSION_PIDS_VAR:-pids}+=($!)"
  eval "exec {fd_$1}>\"$DIR/$1.in\""
}
send() { local fd="fd_$1"; echo "$2" >&"${!fd}"; }
wait_lines() {
  for _ in $(seq 1 150); do
    [ "$(wc -l <"$DIR/$1.out")" -ge "$2" ] && return 0
    sleep 0.1
  done
  echo "session $1 gave no answer:"; cat "$DIR/$1.out"; exit 1
}
