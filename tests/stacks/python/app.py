"""A small multi-tenant Flask API, the way founders build one (flask-cors, Flask's session,
static files from a folder), in one of two variants:

  right   as the Flask and flask-cors documentation say
  wrong   the mistakes their users make (listed in tests/stacks/matrix.toml)

Usage: python app.py VARIANT DIR
DIR becomes the project folder: the app writes its .env and public/ assets there. It serves
HTTP on 127.0.0.1 on a port the kernel picks, prints one JSON line (the port and the
tokens the audit acts with), and exits when stdin closes.
"""

import json
import os
import secrets
import sys
import threading

from flask import Flask, abort, jsonify, request, session
from flask_cors import CORS
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import make_server

VARIANT = sys.argv[1] if len(sys.argv) > 1 else ""
PROJECT = sys.argv[2] if len(sys.argv) > 2 else ""
if VARIANT not in ("right", "wrong") or not PROJECT:
    sys.exit("usage: python app.py right|wrong DIR")
WRONG = VARIANT == "wrong"

PASSWORD = "correct horse battery staple"
ALLOWED_ORIGIN = "https://app.acme.test"
STRIPE_LIVE = "sk_live_LaunchAuditPlanted0000000000000"

USERS = {
    "alice": {"email": "alice@acme.test", "org": "101"},
    "mallory": {"email": "mallory@globex.test", "org": "202"},
}
INVOICES = [
    {"org": "101", "number": "ACME-2026-001", "total": 1200},
    {"org": "101", "number": "ACME-2026-002", "total": 800},
    {"org": "202", "number": "GLOBEX-2026-001", "total": 99000},
]
TOKENS = {secrets.token_urlsafe(24): name for name in USERS}

# The project folder: secrets in .env beside the code, built assets in public/.
os.makedirs(os.path.join(PROJECT, "public", "assets"), exist_ok=True)
with open(os.path.join(PROJECT, ".env"), "w") as f:
    f.write(f"SECRET_KEY=flask-planted-secret\nSTRIPE_SECRET_KEY={STRIPE_LIVE}\n")
# The page's script, where the static folder serves it (wrong: the project folder is the
# static root). It signs in, asks who it is and lists its org's invoices, as the front end
# of this API would; what the audit's discovery reads.
SCRIPT_URL = "/public/assets/app.js" if WRONG else "/assets/app.js"
with open(os.path.join(PROJECT, "public", "index.html"), "w") as f:
    f.write('<!doctype html><html><head><title>Acme</title>'
            f'<script src="{SCRIPT_URL}"></script></head><body>Acme</body></html>')
with open(os.path.join(PROJECT, "public", "assets", "app.js"), "w") as f:
    f.write("""var token = function () { return localStorage.getItem("token"); };
function api(path) {
  return fetch(path, { headers: { authorization: "Bearer " + token() } }).then(function (r) { return r.json(); });
}
window.signIn = function (email, password) {
  return fetch("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: email, password: password })
  }).then(function (r) { return r.json(); }).then(function (b) { localStorage.setItem("token", b.token); });
};
api("/api/me").then(function (me) {
  return api("/api/invoices?org=" + encodeURIComponent(me.data.org));
}).then(function (invoices) { console.log(invoices.data.length); });
""")

# Wrong: the project folder itself as the static folder, at the site's root, "so index.html
# and the assets just work" — and so does /.env.
app = Flask(
    __name__,
    static_folder=PROJECT if WRONG else os.path.join(PROJECT, "public"),
    static_url_path="",
)
app.secret_key = "launch-audit-flask-session-key"
if WRONG:
    app.config.update(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE=None)
else:
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )

if WRONG:
    # Any origin, with credentials: flask-cors answers each Origin with itself.
    CORS(app, supports_credentials=True)
else:
    CORS(app, resources={r"/api/*": {"origins": [ALLOWED_ORIGIN]}}, supports_credentials=True)


def caller():
    header = request.headers.get("Authorization", "")
    name = TOKENS.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
    if name is None:
        abort(401)
    return USERS[name]


@app.get("/")
def index():
    return app.send_static_file("public/index.html" if WRONG else "index.html")


@app.get("/healthz")
def health():
    return jsonify(status="ok", db="up")


@app.post("/auth/login")
def login():
    body = request.get_json(silent=True) or {}
    name = next((n for n, u in USERS.items() if u["email"] == body.get("email")), None)
    if name is None or body.get("password") != PASSWORD:
        return jsonify(error="invalid credentials"), 401
    session["user"] = name
    token = next(t for t, n in TOKENS.items() if n == name)
    return jsonify(token=token)


@app.get("/api/me")
def me():
    user = caller()
    return jsonify(data={"email": user["email"], "org": user["org"]})


@app.get("/api/invoices")
def invoices():
    user = caller()
    org = request.args.get("org", user["org"])
    # Wrong: the list is filtered by whatever org the client asks for.
    if not WRONG and org != user["org"]:
        return jsonify(error="forbidden"), 403
    return jsonify(data=[i for i in INVOICES if i["org"] == org])


@app.post("/api/notes")
def add_note():
    caller()
    body = request.get_json()
    if WRONG:
        # Trusts the shape: a number or a list in `text` raises, a 500.
        text = body["text"].strip()
    else:
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or len(text) > 1000:
            return jsonify(error="text must be a string of at most 1000 characters"), 400
        text = text.strip()
    return jsonify(data={"text": text}), 201


if not WRONG:
    # Found by the audit, not assumed: Flask's get_json turns only ValueError into a 400,
    # so a body nested a few thousand levels deep raises RecursionError, a 500.
    @app.errorhandler(RecursionError)
    def too_deep(_):
        return jsonify(error="JSON nested too deeply"), 400


@app.errorhandler(401)
def unauthorized(_):
    return jsonify(error="authentication required"), 401


@app.after_request
def no_store(response):
    if request.path.startswith("/api/") and not WRONG:
        response.headers["Cache-Control"] = "private, no-store"
    return response


# Wrong: debug mode, as `flask run --debug` serves it: the interactive debugger's
# traceback page on every error, and its console at /console.
wsgi = DebuggedApplication(app, evalex=True) if WRONG else app
if WRONG:
    app.debug = True
server = make_server("127.0.0.1", 0, wsgi, threaded=True)
ready = {
    "port": server.server_port,
    "tokens": {name: token for token, name in TOKENS.items()},
    "password": PASSWORD,
}
print(json.dumps(ready), flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
