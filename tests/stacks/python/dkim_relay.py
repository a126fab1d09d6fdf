"""The transactional mail provider in front of the complete PocketBase app (issue 36).

PocketBase sends its mail over plain SMTP and signs nothing; in production it is pointed at a
provider that DKIM-signs for the sender's domain. This is that provider: an SMTP server
(aiosmtpd) on loopback that signs every message with dkimpy, for MAIL_DOMAIN with selector
s1 and the key at DKIM_KEY, then hands it to the SMTP server at SMTP_PORT (MailDev).

Prints {"port": N} once it listens; exits when its stdin closes.
"""

import asyncio
import json
import os
import smtplib
import sys

import dkim
from aiosmtpd.smtp import SMTP

SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]


class Sign:
    def __init__(self, domain, key, onward):
        self.domain = domain
        self.key = key
        self.onward = onward

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        signature = dkim.sign(
            raw, b"s1", self.domain, self.key, include_headers=SIGNED_HEADERS
        )
        # smtplib blocks; one message at a time is all a journey sends.
        with smtplib.SMTP("127.0.0.1", self.onward, timeout=10) as smtp:
            smtp.sendmail(envelope.mail_from, envelope.rcpt_tos, signature + raw)
        return "250 signed and relayed"


async def main():
    with open(os.environ["DKIM_KEY"], "rb") as key:
        handler = Sign(
            os.environ["MAIL_DOMAIN"].encode(), key.read(), int(os.environ["SMTP_PORT"])
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, decode_data=False), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    # Runs until the test closes stdin.
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
