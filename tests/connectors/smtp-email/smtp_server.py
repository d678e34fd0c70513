#!/usr/bin/python3
"""A real SMTP server for the smtp-email connector's tests: Debian's aiosmtpd with STARTTLS, AUTH LOGIN/PLAIN.

    smtp_server.py --dir DIR --port-file FILE [--user U --password P] [--no-tls 1] [--silent 1]

The TLS certificate is self-signed, made here with openssl into DIR/tls/ (cert.pem is what the test
trusts); nothing private is committed. Each message that arrives becomes DIR/messages/<n>.json: the
envelope, how the session got there (TLS, AUTH mechanism, whether AUTH ran over TLS) and the message as
Python's email package reads it. --silent 1 accepts connections but never greets (a server that hangs);
--no-tls 1 offers no STARTTLS. Recipients starting "reject" get 550, "busy" 451, "chatty" a 550 that
repeats patient details.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import socket
import ssl
import subprocess

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def make_certificate(folder):
    os.makedirs(folder, exist_ok=True)
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def crlf_to_lf(text):
    return text.replace("\r\n", "\n")


def write_atomically(path, text):
    with open(path + ".tmp", "w") as out:
        out.write(text)
    os.replace(path + ".tmp", path)


class Authenticator:
    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == self.user and auth_data.password == self.password
        # Recorded here, when AUTH runs, so the test can see it ran over TLS.
        return AuthResult(success=ok, handled=False,
                          auth_data={"user": auth_data.login.decode(), "mechanism": mechanism,
                                     "over_tls": session.ssl is not None})


class Recorder:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        os.makedirs(folder, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: mailbox unavailable" % address
        if address.startswith("chatty"):
            # A server whose refusal repeats what it was sent about the patient.
            return "550 5.7.1 Refused: patient 943 476 5919, born 14/03/1956, mobile 07700 900123"
        if address.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "auth": session.auth_data if session.authenticated else None,
            "content_type": message.get_content_type(),
            "headers": {k.lower(): str(v) for k, v in message.items()},
            "text": crlf_to_lf(text.get_content()) if text is not None else None,
            "html": crlf_to_lf(html.get_content()) if html is not None else None,
        }
        write_atomically(os.path.join(self.folder, "%d.json" % self.count), json.dumps(record))
        return "250 2.0.0 OK queued as m%d" % self.count


async def serve(args):
    loop = asyncio.get_running_loop()
    tls = None
    if not args.no_tls:
        cert, key = make_certificate(os.path.join(args.dir, "tls"))
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert, key)
    recorder = Recorder(os.path.join(args.dir, "messages"))
    authenticator = Authenticator(args.user, args.password)

    def factory():
        return SMTP(recorder, hostname="smtp.example.org", tls_context=tls, require_starttls=tls is not None,
                    authenticator=authenticator, auth_required=True, auth_require_tls=tls is not None)

    server = await loop.create_server(factory, host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    write_atomically(args.port_file, "%d\n" % port)
    await server.serve_forever()


def hang(args):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    write_atomically(args.port_file, "%d\n" % listener.getsockname()[1])
    held = []
    while True:
        held.append(listener.accept()[0])  # kept open, never answered


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--user", default="clinhub-test")
    parser.add_argument("--password", default="test-password-1")
    # Flags take a value (1) so the launcher fits the simulators' "--flag value" command line.
    parser.add_argument("--no-tls", default="")
    parser.add_argument("--silent", default="")
    args = parser.parse_args()
    if args.silent:
        hang(args)
    else:
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
