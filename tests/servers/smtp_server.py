"""A real SMTP server for the report tests (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a free port and prints "READY <port>" once it accepts connections.
Every message received is written to OUTDIR as <n>.eml (the raw message) and <n>.json (envelope:
sender, recipients, whether the session was encrypted, the login used).

Usage: /usr/bin/python3 smtp_server.py OUTDIR [--mode plain|starttls|smtps] [--cert F --key F]
       [--user U --password P]
"""
import argparse
import asyncio
import json
import os
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0
        self.logins = {}

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, str(self.count))
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.part", base + ".eml")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "login": self.logins.get(id(session)),
        }
        with open(base + ".json.part", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.part", base + ".json")
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--mode", default="plain", choices=["plain", "starttls", "smtps"])
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()

    ctx = None
    if a.mode != "plain":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)

    store = Store(a.outdir)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == a.user
            and auth_data.password.decode() == a.password
        )
        if ok:
            store.logins[id(session)] = auth_data.login.decode()
        return AuthResult(success=ok, handled=False)

    def factory():
        kwargs = dict(hostname="localhost", decode_data=False)
        if a.mode == "starttls":
            kwargs.update(tls_context=ctx, require_starttls=False)
        if a.user:
            kwargs.update(authenticator=authenticator, auth_require_tls=False)
        return SMTP(store, **kwargs)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, sock=sock, ssl=ctx if a.mode == "smtps" else None)
    )
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
