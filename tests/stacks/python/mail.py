"""The complete Flask app's accounts (app.py, with SMTP_PORT): sign-up with an address
verification link, and password reset, by mail through the SMTP server at SMTP_PORT,
DKIM-signed by dkimpy with the key at DKIM_KEY for MAIL_DOMAIN (selector s1).

A link works once (a reset link for RESET_TTL seconds); a new password ends the account's
sessions. `reusable` (the `reusable-reset` flaw) leaves a used reset link working.
"""

import os
import re
import secrets
import smtplib
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

import dkim
from flask import jsonify, request

# Where the links point; app.py sets it once the HTTPS server has its port.
ORIGIN = ""
RESET_TTL = 1.0
MAX_SIGNUPS = 200
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")


def send(to, subject, text):
    domain = os.environ.get("MAIL_DOMAIN", "acme.test")
    message = EmailMessage(policy=SMTP)
    message["From"] = f"Acme <no-reply@{domain}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    raw = message.as_bytes()
    with open(os.environ["DKIM_KEY"], "rb") as key:
        signature = dkim.sign(
            raw,
            b"s1",
            domain.encode(),
            key.read(),
            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
        )
    with smtplib.SMTP("127.0.0.1", int(os.environ["SMTP_PORT"]), timeout=10) as smtp:
        smtp.sendmail(f"no-reply@{domain}", [to], signature + raw)


def account_routes(app, users, new_session, caller, reusable):
    """Adds /auth/signup, /auth/verify, /auth/account, /auth/reset-request and /auth/reset."""
    verifications = {}
    resets = {}

    def held_account():
        """The signed-in caller's name (caller() refuses anyone else with a 401)."""
        user = caller()
        return next(name for name, u in users.items() if u is user)

    @app.post("/auth/signup")
    def signup():
        body = request.get_json(silent=True)
        body = body if isinstance(body, dict) else {}
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not ADDRESS.match(email) \
                or not isinstance(password, str) or len(password) < 8:
            return jsonify(error="an email and a password of 8 characters or more"), 400
        if any(u["email"] == email for u in users.values()) or len(users) >= MAX_SIGNUPS:
            return jsonify(error="that address has an account"), 409
        name = f"signup-{len(users)}"
        users[name] = {"email": email, "org": f"s{len(users)}", "gen": 0,
                       "password": password, "verified": False}
        token = secrets.token_hex(16)
        verifications[token] = {"user": name, "used": False}
        send(email, "Verify your address", f"Verify it: {ORIGIN}/auth/verify?token={token}\n")
        return jsonify(session=new_session(name)), 201

    @app.get("/auth/verify")
    def verify():
        name = held_account()
        link = verifications.get(request.args.get("token", ""))
        if link is None:
            return jsonify(error="unknown link"), 404
        if link["used"]:
            return jsonify(error="this link was already used"), 410
        if link["user"] != name:
            return jsonify(error="this link belongs to another account"), 403
        link["used"] = True
        users[name]["verified"] = True
        return jsonify(verified=True)

    @app.get("/auth/account")
    def account():
        user = users[held_account()]
        return jsonify(email=user["email"], verified=bool(user.get("verified")))

    @app.post("/auth/reset-request")
    def reset_request():
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
        name = next((n for n, u in users.items() if u["email"] == email), None)
        if name is not None:
            token = secrets.token_hex(16)
            resets[token] = {"user": name, "issued": time.monotonic(), "used": False}
            send(email, "Reset your password", f"Set a new password: {ORIGIN}/reset?token={token}\n")
        # The same answer whether or not the address has an account.
        return jsonify(sent=True), 202

    @app.post("/auth/reset")
    def reset():
        body = request.get_json(silent=True)
        body = body if isinstance(body, dict) else {}
        link = resets.get(body.get("token")) if isinstance(body.get("token"), str) else None
        if link is None:
            return jsonify(error="unknown link"), 404
        if link["used"]:
            return jsonify(error="this link was already used"), 410
        if time.monotonic() - link["issued"] > RESET_TTL:
            return jsonify(error="this link has expired"), 410
        password = body.get("password")
        if not isinstance(password, str) or len(password) < 8:
            return jsonify(error="a password of 8 characters or more"), 400
        if not reusable:
            link["used"] = True
        user = users[link["user"]]
        user["password"] = password
        user["gen"] += 1
        return jsonify(reset=True)
