"""An SMTP server (aiosmtpd) for Tresor's alert email test.

Listens on 127.0.0.1:PORT, requires STARTTLS with the given certificate and
AUTH with the given user and password, and appends every message it accepts
to OUT as one JSON line {"from", "to", "user", "data"}. Prints READY once
listening; runs until killed.

usage: smtp_sink.py PORT CERT KEY USER PASSWORD OUT
"""

import json
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    port, cert, key, user, password, out = sys.argv[1:7]

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with open(out, "a", encoding="utf-8") as f:
                f.write(
                    json.dumps(
                        {
                            "from": envelope.mail_from,
                            "to": envelope.rcpt_tos,
                            "user": session.auth_data.login.decode()
                            if session.authenticated
                            else None,
                            "data": envelope.content.decode("utf-8", "replace"),
                        }
                    )
                    + "\n"
                )
            return "250 OK"

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=int(port),
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    print("READY", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
