#!/usr/bin/env python3
# A token server for docker-registry's "token" auth, for tests/integration/registry.bats only.
#
#   registry_token.py PORT_FILE KEY CERT ISSUER LOG USER:PASSWORD
#
# Listens on 127.0.0.1 (a free port, written to PORT_FILE), answers GET /token?service=&scope=... with a
# JWT signed RS256 by KEY (openssl does the signing: no python crypto module needed) whose "kid" is
# libtrust's key id of CERT's public key, as docker-registry 2.8 looks it up in its rootcertbundle.
# Anonymous callers get "pull" only; USER:PASSWORD (basic auth) gets what it asks; wrong credentials get
# 401. Each request is logged to LOG as "user=... scope=...".
import base64
import hashlib
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse

port_file, key, cert, issuer, log, userpass = sys.argv[1:7]


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def kid_of(cert_path):
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-pubkey", "-noout"], check=True,
                         capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, check=True,
                         capture_output=True).stdout
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i:i + 4] for i in range(0, len(s), 4))


KID = kid_of(cert)


def sign(claims):
    head = b64url(json.dumps({"typ": "JWT", "alg": "RS256", "kid": KID}).encode())
    body = b64url(json.dumps(claims).encode())
    msg = (head + "." + body).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=msg, check=True,
                         capture_output=True).stdout
    return head + "." + body + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        user = ""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            given = base64.b64decode(auth[6:]).decode()
            if given != userpass:
                with open(log, "a") as f:
                    f.write("refused user=%s\n" % given.split(":")[0])
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            user = given.split(":")[0]
        access = []
        for scope in q.get("scope", []):
            for one in scope.split(" "):
                parts = one.split(":")
                if len(parts) != 3 or parts[0] != "repository":
                    continue
                actions = [a for a in parts[2].split(",") if user or a == "pull"]
                access.append({"type": "repository", "name": parts[1], "actions": actions})
        with open(log, "a") as f:
            f.write("user=%s service=%s scope=%s\n" % (user or "-", ",".join(q.get("service", [])),
                                                          " ".join(q.get("scope", [])) or "-"))
        now = int(time.time())
        token = sign({"iss": issuer, "sub": user, "aud": q.get("service", [""])[0], "exp": now + 300,
                      "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(), "access": access})
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
