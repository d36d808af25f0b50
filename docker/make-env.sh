#!/bin/sh
# make-env.sh [EXAMPLE] [OUT]: write OUT (default .env) from EXAMPLE (default .env.example), filling every empty
# assignment (a line `NAME=`) with a random secret: a Fernet key for AIRFLOW_FERNET_KEY, 48 hex digits
# otherwise. Refuses to overwrite an existing file. POSIX sh, coreutils only (Linux and macOS).
set -eu

example=${1:-.env.example}
out=${2:-.env}

if [ -e "$out" ]; then
    echo "make-env.sh: $out exists; not overwritten" >&2
    exit 1
fi

hex() {
    od -An -tx1 -N 24 /dev/urandom | tr -d ' \n'
}

fernet() {  # 32 random bytes, URL-safe base64 (what cryptography.fernet.Fernet.generate_key returns)
    head -c 32 /dev/urandom | base64 | tr -d '\n' | tr '+/' '-_'
}

umask 077
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        AIRFLOW_FERNET_KEY=) printf 'AIRFLOW_FERNET_KEY=%s\n' "$(fernet)" ;;
        [A-Z]*=) printf '%s%s\n' "$line" "$(hex)" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$example" > "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out with new random secrets (from $example)"
