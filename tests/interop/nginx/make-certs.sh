#!/usr/bin/env bash
# Makes the nginx peer's certificates in DIR (a fresh temporary folder of the test run; nothing here is committed):
#   ca.crt / ca.key                   a private certificate authority
#   server.crt / server.key           signed by it, for localhost and 127.0.0.1
#   self-signed.crt / self-signed.key a self-signed certificate for localhost and 127.0.0.1
# EC P-256 keys (fast to make), valid for two days.
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR}
cd "$dir"
key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
names="subjectAltName=DNS:localhost,IP:127.0.0.1"

openssl req -x509 "${key[@]}" -keyout ca.key -out ca.crt -days 2 -subj "/CN=RealtimeClient interop test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req "${key[@]}" -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf '%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$names" > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" -days 2 \
  -extfile server.ext -out server.crt 2>/dev/null

openssl req -x509 "${key[@]}" -keyout self-signed.key -out self-signed.crt -days 2 -subj "/CN=localhost" \
  -addext "$names" -addext "extendedKeyUsage=serverAuth" 2>/dev/null

rm -f server.csr server.ext
