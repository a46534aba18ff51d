# Shell helpers shared by deploy/stack, deploy/local and deploy/install.

# render_template IN OUT KEY VALUE [KEY VALUE]…: replace @KEY@ with VALUE.
# Plain string replacement (values may hold / & and spaces); a placeholder
# left over is an error, so a template and its callers cannot drift apart.
render_template() {
    local in=$1 out=$2 text
    shift 2
    text=$(cat "$in")
    while [ $# -ge 2 ]; do
        text=${text//@$1@/$2}
        shift 2
    done
    if grep -qE '@[A-Z_]+@' <<< "$text"; then
        echo "render_template: $in: unfilled $(grep -oE '@[A-Z_]+@' <<< "$text" | sort -u | tr '\n' ' ')" >&2
        return 1
    fi
    printf '%s\n' "$text" > "$out"
}

# A depot.conf size (123, 64K, 64M, 1G) in bytes.
size_bytes() {
    local n=${1%[KkMmGg]}
    case "$1" in
        *[Kk]) echo $((n << 10)) ;; *[Mm]) echo $((n << 20)) ;; *[Gg]) echo $((n << 30)) ;; *) echo "$n" ;;
    esac
}

# nginx's client_max_body_size for the site: what the largest route takes,
# the larger of max_body_bytes and max_document_bytes + 1M (fcgi-app/config.hpp).
body_limit() {
    local body doc
    body=$(size_bytes "${1:-64M}")
    doc=$(($(size_bytes "${2:-100M}") + (1 << 20)))
    [ "$body" -gt "$doc" ] && echo "$body" || echo "$doc"
}

# The site's per-address request limits (nginx limit_req) for the routes
# that check passwords, as render_template arguments. Defaults are for
# production; DEPOT_NGINX_{LOGIN,BASIC}_{RATE,BURST} override them.
nginx_limits() {
    printf '%s ' LOGIN_RATE "${DEPOT_NGINX_LOGIN_RATE:-2r/s}" LOGIN_BURST "${DEPOT_NGINX_LOGIN_BURST:-20}" \
        BASIC_RATE "${DEPOT_NGINX_BASIC_RATE:-50r/s}" BASIC_BURST "${DEPOT_NGINX_BASIC_BURST:-500}"
}

# A live process: a killed one not yet reaped (a zombie) is not.
pid_alive() {
    local pid state
    # The file may go between the test and the read (nginx removes its own).
    pid=$(cat "$1" 2> /dev/null) || return 1
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2> /dev/null || return 1
    state=$(sed 's/.*) //' "/proc/$pid/stat" 2> /dev/null | cut -d' ' -f1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# stop_pid PIDFILE NAME SECONDS: SIGTERM, wait, then SIGKILL.
stop_pid() {
    local file=$1 name=$2 secs=$3 pid i
    pid_alive "$file" || { rm -f "$file"; return 0; }
    pid=$(cat "$file" 2> /dev/null) || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        pid_alive "$file" || { rm -f "$file"; return 0; }
        sleep 0.1
    done
    echo "$name ($pid) did not stop in ${secs}s; killing it" >&2
    kill -KILL "$pid" 2> /dev/null || true
    rm -f "$file"
}

# wait_for NAME SECONDS CMD…: retry CMD until it succeeds.
wait_for() {
    local name=$1 secs=$2 i
    shift 2
    for ((i = 0; i < secs * 10; i++)); do
        "$@" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$name did not come up in ${secs}s ($*)" >&2
    return 1
}

# Debian packages (deploy/debian-packages) of the named sections.
packages() {  # packages of the named sections of deploy/debian-packages
    awk -v want=" $* " '/^# section:/ { sec = $3; next } /^#/ || NF == 0 { next }
        index(want, " " sec " ") { print $1 }' "$(dirname "${BASH_SOURCE[0]}")/debian-packages"
}

ensure_packages() {
    local missing=() p sudo=""
    for p in $(packages "$@"); do
        dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "local: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    # Debian may start its own system-wide MariaDB and nginx; depot's private
    # instances use their own sockets and ports and do not collide with them.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" > /dev/null
}
