#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd): accepts mail on 127.0.0.1:PORT and writes
one JSON line per accepted message to --out:

    {"mail_from", "rcpt_tos", "headers": {lowercased name: value}, "content_type", "parts",
     "text", "html", "dkim": "pass" | "fail" | "none", "tls": bool, "raw"}

Behaviours, for the failure tests:
  --fail-first N --fail-at rcpt|data   answer 451 to the first N RCPT (or DATA) commands
  --reject REGEX                       answer 550 to recipients matching REGEX
  --data-delay S                       wait S seconds before answering each DATA
  --data-delay-count N                 ... only the first N DATA commands (0: every one)
  --auth USER:PASS                     require AUTH (PLAIN/LOGIN) with these credentials
  --dkim-txt TXT                       the DNS TXT record of the signing key (v=DKIM1; ...);
                                       every DKIM lookup answers with it
  --events FILE                        one JSON line per RCPT/DATA answer (to count attempts)
  --tls starttls|implicit --tls-cert PEM --tls-key PEM
                                       STARTTLS offered and required before MAIL, or TLS from
                                       the first byte (smtps); "tls" in each record says if the
                                       message came over TLS

Prints "ready <port>" on stdout once it listens. Stops on SIGTERM/SIGINT.
"""

import argparse
import asyncio
import email
import email.policy
import json
import re
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

try:
    import dkim
except ImportError:  # the tests install it; without it every signed message is "fail"
    dkim = None


class Sink:
    def __init__(self, args):
        self.args = args
        self.remaining_failures = args.fail_first
        self.delays_left = args.data_delay_count if args.data_delay_count > 0 else None
        self.reject = re.compile(args.reject) if args.reject else None
        self.out = open(args.out, "a", encoding="utf-8")
        self.events = open(args.events, "a", encoding="utf-8") if args.events else None

    def event(self, **fields):
        if self.events:
            self.events.write(json.dumps(fields) + "\n")
            self.events.flush()

    def tempfail(self, stage):
        if self.args.fail_at == stage and self.remaining_failures > 0:
            self.remaining_failures -= 1
            return True
        return False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject.search(address):
            self.event(command="RCPT", code=550, rcpt=address, peer=peer(session))
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if self.tempfail("rcpt"):
            self.event(command="RCPT", code=451, rcpt=address, peer=peer(session))
            return "451 4.3.0 <%s>: Temporary local problem, try again" % address
        envelope.rcpt_tos.append(address)
        self.event(command="RCPT", code=250, rcpt=address, peer=peer(session))
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.data_delay > 0 and (self.delays_left is None or self.delays_left > 0):
            if self.delays_left is not None:
                self.delays_left -= 1
            await asyncio.sleep(self.args.data_delay)
        if self.tempfail("data"):
            self.event(command="DATA", code=451, rcpt_tos=envelope.rcpt_tos, peer=peer(session))
            return "451 4.3.0 Temporary local problem, try again"
        raw = envelope.original_content or b""
        record = describe(raw, self.args.dkim_txt)
        record["mail_from"] = envelope.mail_from
        record["rcpt_tos"] = list(envelope.rcpt_tos)
        record["tls"] = server.transport.get_extra_info("ssl_object") is not None
        self.out.write(json.dumps(record) + "\n")
        self.out.flush()
        self.event(command="DATA", code=250, rcpt_tos=envelope.rcpt_tos, peer=peer(session))
        return "250 2.0.0 Ok: queued"


def peer(session):
    """The client's address and port: one per connection."""
    return "%s:%s" % tuple(session.peer[:2]) if session.peer else None


def describe(raw, dkim_txt):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {}
    for name, value in msg.items():
        headers[name.lower()] = str(value)
    text = html = None
    parts = []
    for part in msg.walk():
        ctype = part.get_content_type()
        parts.append(ctype)
        if part.is_multipart():
            continue
        if ctype == "text/plain" and text is None:
            text = part.get_content()
        elif ctype == "text/html" and html is None:
            html = part.get_content()
    return {
        "headers": headers,
        "content_type": msg.get_content_type(),
        "parts": parts,
        "text": text,
        "html": html,
        "dkim": verify_dkim(raw, msg, dkim_txt),
        "raw": raw.decode("utf-8", "replace"),
    }


def verify_dkim(raw, msg, dkim_txt):
    if msg.get("DKIM-Signature") is None:
        return "none"
    if dkim is None or not dkim_txt:
        return "fail"

    def dnsfunc(name, timeout=5):
        return dkim_txt.encode()

    try:
        return "pass" if dkim.verify(raw, dnsfunc=dnsfunc) else "fail"
    except Exception as e:  # a malformed signature is a failed one
        print("dkim verification error: %r" % (e,), file=sys.stderr, flush=True)
        return "fail"


def authenticator(expected):
    user, _, password = expected.partition(":")

    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # handled=False: aiosmtpd answers 535 itself (True would mean "already answered").
        return AuthResult(success=ok, handled=False)

    return check


async def main(args):
    sink = Sink(args)
    loop = asyncio.get_running_loop()
    kwargs = {"decode_data": False, "hostname": "sink.test"}
    if args.auth:
        # Loopback only: plain-text AUTH is what the tests exercise here.
        kwargs.update(authenticator=authenticator(args.auth), auth_required=True, auth_require_tls=False)
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    server_ssl = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            server_ssl = context
    server = await loop.create_server(
        lambda: SMTP(sink, **kwargs), host=args.host, port=args.port, ssl=server_ssl
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready %d" % port, flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--events")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-at", choices=["rcpt", "data"], default="data")
    p.add_argument("--reject")
    p.add_argument("--data-delay", type=float, default=0.0)
    p.add_argument("--data-delay-count", type=int, default=0)
    p.add_argument("--auth")
    p.add_argument("--dkim-txt")
    p.add_argument("--tls", choices=["starttls", "implicit"])
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    asyncio.run(main(p.parse_args()))
