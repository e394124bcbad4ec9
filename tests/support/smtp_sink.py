#!/usr/bin/python3
"""A local SMTP sink for the tests (Debian's python3-aiosmtpd): every message
it accepts is written to DIR as NNNN.eml (written to a temporary name, then
renamed, so a reader never sees half a message). Prints "ready PORT" once it
listens. Optional: --auth USER:PASSWORD requires AUTH PLAIN/LOGIN;
--refuse-rcpt ADDRESS answers 550 for that recipient.

  /usr/bin/python3 tests/support/smtp_sink.py --port 0 --dir /tmp/mail
"""
import argparse
import asyncio
import os
import signal
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = set(refuse or [])
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.directory, "%04d.eml" % self.count)
        with open(name + ".tmp", "wb") as f:
            f.write(("X-Envelope-From: %s\r\nX-Envelope-To: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 stored"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--auth")
    p.add_argument("--refuse-rcpt", action="append")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok)

        kwargs = {"authenticator": check, "auth_required": True, "auth_require_tls": False}
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    c = Controller(Sink(a.dir, a.refuse_rcpt), hostname="127.0.0.1", port=port, server_kwargs=kwargs)
    c.start()
    print("ready %d" % port, flush=True)
    try:
        signal.sigwait([signal.SIGTERM, signal.SIGINT])  # until the test stops us
    finally:
        c.stop()


if __name__ == "__main__":
    main()
