"""A small multi-tenant Flask API, the way founders build one (flask-cors, Flask's session,
static files from a folder), in one of two variants:

  right   as the Flask and flask-cors documentation say
  wrong   the mistakes their users make (listed in tests/stacks/matrix.toml)

The complete app (issue 36's READY baseline on Flask), right variant only: with SMTP_PORT
set it serves HTTPS with TLS_DIR's cert.pem and key.pem, plain HTTP on a second port
redirecting to it, a server that does not name its versions, the browser security headers, a login limited per address and account
by Flask-Limiter, sign-up with a verification link and password reset by mail through that
SMTP server (MailDev), DKIM-signed by dkimpy with the key at DKIM_KEY for MAIL_DOMAIN; a
new password ends the account's sessions. ACCESS_LOG gets one line per request (method,
path, status). LAUNCH_AUDIT_FLAW plants one mistake (FLAWS below).

Usage: python app.py VARIANT DIR
DIR becomes the project folder: the app writes its .env and public/ assets there. It serves
HTTP on 127.0.0.1 on a port the kernel picks, prints one JSON line (the port and the
tokens the audit acts with), and exits when stdin closes.
"""

import json
import os
import re
import secrets
import sys
import threading
import time

from flask import Flask, abort, jsonify, redirect, request, session
from flask_cors import CORS
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import WSGIRequestHandler, make_server

VARIANT = sys.argv[1] if len(sys.argv) > 1 else ""
PROJECT = sys.argv[2] if len(sys.argv) > 2 else ""
if VARIANT not in ("right", "wrong") or not PROJECT:
    sys.exit("usage: python app.py right|wrong DIR")
WRONG = VARIANT == "wrong"
COMPLETE = bool(os.environ.get("SMTP_PORT"))
# One planted mistake each, on the complete right app only.
FLAWS = ("cors-reflect", "no-login-limit", "unscoped-list", "reusable-reset")
FLAW = os.environ.get("LAUNCH_AUDIT_FLAW", "")
if FLAW and (WRONG or not COMPLETE or FLAW not in FLAWS):
    sys.exit(f"LAUNCH_AUDIT_FLAW: one of {', '.join(FLAWS)}, on the complete right app")

PASSWORD = "correct horse battery staple"
ALLOWED_ORIGIN = "https://app.acme.test"
STRIPE_LIVE = "sk_live_LaunchAuditPlanted0000000000000"

USERS = {
    "alice": {"email": "alice@acme.test", "org": "101", "gen": 0},
    "mallory": {"email": "mallory@globex.test", "org": "202", "gen": 0},
}
INVOICES = [
    {"org": "101", "number": "ACME-2026-001", "total": 1200},
    {"org": "101", "number": "ACME-2026-002", "total": 800},
    {"org": "202", "number": "GLOBEX-2026-001", "total": 99000},
]
# Sessions: a bearer token names its user, the password generation it was issued in (a new
# password ends the ones before it) and when it expires.
SESSIONS = {}


def new_session(name, lifetime=3600):
    token = secrets.token_urlsafe(24)
    SESSIONS[token] = {"user": name, "gen": USERS[name]["gen"], "expires": time.time() + lifetime}
    return token


TOKENS = {name: new_session(name) for name in USERS}
EXPIRED = new_session("alice", lifetime=-60)

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

if WRONG or FLAW == "cors-reflect":
    # Any origin, with credentials: flask-cors answers each Origin with itself.
    CORS(app, supports_credentials=True)
else:
    CORS(app, resources={r"/api/*": {"origins": [ALLOWED_ORIGIN]}}, supports_credentials=True)


def caller():
    header = request.headers.get("Authorization", "")
    held = SESSIONS.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
    if held is None or held["expires"] < time.time() or held["gen"] != USERS[held["user"]]["gen"]:
        abort(401)
    return USERS[held["user"]]


def login_key():
    """Flask-Limiter's key: the client's address and the account it tries, so one audit's
    session login is not spent by its own burst."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"{request.remote_addr}:{email if isinstance(email, str) else ''}"


if COMPLETE and FLAW != "no-login-limit":
    from flask_limiter import Limiter

    limiter = Limiter(login_key, app=app, storage_uri="memory://", headers_enabled=True)
    login_limit = limiter.limit("5 per minute")
else:
    def login_limit(view):
        return view


@app.get("/")
def index():
    return app.send_static_file("public/index.html" if WRONG else "index.html")


@app.get("/healthz")
def health():
    return jsonify(status="ok", db="up")


@app.post("/auth/login")
@login_limit
def login():
    body = request.get_json(silent=True) or {}
    name = next((n for n, u in USERS.items() if u["email"] == body.get("email")), None)
    if name is None or body.get("password") != USERS[name].get("password", PASSWORD):
        return jsonify(error="invalid credentials"), 401
    session["user"] = name
    return jsonify(token=new_session(name))


@app.get("/login")
def after_login():
    # A return URL after login: only a local path (one leading slash, not `//host`), judged
    # as the browser will read it: without the tabs and newlines it drops (`/<TAB>/host` is
    # `//host`, which the audit's open-redirect probe found when this was left out).
    target = re.sub(r"[\x00-\x1f\x7f]", "", request.args.get("next", "/"))
    local = target.startswith("/") and not target.startswith(("//", "/\\"))
    return redirect(target if local else "/")


@app.get("/api/me")
def me():
    user = caller()
    return jsonify(data={"email": user["email"], "org": user["org"]})


@app.get("/api/invoices")
def invoices():
    user = caller()
    org = request.args.get("org", user["org"])
    # Wrong: the list is filtered by whatever org the client asks for.
    if not WRONG and FLAW != "unscoped-list" and org != user["org"]:
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


if COMPLETE:
    from mail import account_routes

    account_routes(app, USERS, new_session, caller, FLAW == "reusable-reset")

    # The browser security headers a deployed app sends (helmet's, by hand).
    HARDENING = {
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "Content-Security-Policy": "default-src 'self'; script-src 'self'; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }

    @app.after_request
    def harden(response):
        response.headers.update(HARDENING)
        return response

if os.environ.get("ACCESS_LOG"):
    ACCESS_LOG = open(os.environ["ACCESS_LOG"], "a", buffering=1)

    # One line per request, no header or query: what the app's log keeps.
    @app.after_request
    def log_request(response):
        ACCESS_LOG.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} "
                         f"{request.method} {request.path} {response.status_code}\n")
        return response


# Wrong: debug mode, as `flask run --debug` serves it: the interactive debugger's
# traceback page on every error, and its console at /console.
wsgi = DebuggedApplication(app, evalex=True) if WRONG else app
if WRONG:
    app.debug = True
TLS_DIR = os.environ.get("TLS_DIR")
tls = (os.path.join(TLS_DIR, "cert.pem"), os.path.join(TLS_DIR, "key.pem")) if TLS_DIR else None


class QuietHandler(WSGIRequestHandler):
    """The complete app's server does not name itself (Werkzeug's says `Werkzeug/x
    Python/y`, which headers.version-disclosure reports, as a production server would not)."""

    def version_string(self):
        return "acme"


handler = QuietHandler if COMPLETE else WSGIRequestHandler
server = make_server("127.0.0.1", 0, wsgi, threaded=True, ssl_context=tls, request_handler=handler)
ready = {"port": server.server_port, "tokens": dict(TOKENS), "password": PASSWORD}
servers = [server]
if tls:
    ready["tokens"]["alice_expired"] = EXPIRED

    def to_https(environ, start_response):
        """Plain HTTP: a permanent redirect to the same path over HTTPS."""
        query = environ.get("QUERY_STRING")
        location = f"https://127.0.0.1:{server.server_port}{environ.get('PATH_INFO', '/')}"
        start_response("301 Moved Permanently", [("Location", location + (f"?{query}" if query else ""))])
        return [b""]

    redirector = make_server("127.0.0.1", 0, to_https, threaded=True)
    ready["http_port"] = redirector.server_port
    servers.append(redirector)
if COMPLETE:
    import mail

    mail.ORIGIN = f"https://127.0.0.1:{server.server_port}"
print(json.dumps(ready), flush=True)
for each in servers:
    threading.Thread(target=each.serve_forever, daemon=True).start()
sys.stdin.read()
