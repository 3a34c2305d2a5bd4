#!/usr/bin/env python3
"""A passerelle-node and a passerelle-gateway as processes on loopback, for tests in languages other than C++.

The node runs in mutual TLS with certificates from the real deploy/pki, and the gateway calls it with its partner's
gateway certificate (PARTNER/gateway.pem), so the node believes the principals of PARTNER that the gateway forwards
(a contractor bound to a SIRET included).
`LocalProgramme` starts both; `Gateway` is a JSON client for the gateway (standard library only);
`load_sample_programme` loads a small programme through the gateway: buyers, structures, notices awarded and open,
declarations validated.

Run as a script, it starts both, loads the sample programme and runs a command against it, for tests written in
JavaScript or any language that is not Python:

    local_programme.py [--no-sample] -- node observatory_test.cjs

The command gets PASSERELLE_GATEWAY_URL, PASSERELLE_NODE_ADDRESS, PASSERELLE_PKI_DIR (ca.pem, solideo/admin.pem
and .key for mTLS), PASSERELLE_ADMIN_TOKEN, PASSERELLE_OBSERVER_TOKEN and PASSERELLE_SAMPLE (the sample
programme as JSON) in its environment; the script exits with its exit code. Binaries come from
PASSERELLE_NODE_BINARY and PASSERELLE_GATEWAY_BINARY.
"""

import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARTNER = "solideo"
ADMIN_TOKEN = "local-admin-token"
OBSERVER_TOKEN = "local-observer-token"
# Months that are never in the future for a node running today.
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04"]


def luhn_siret(n):
    """A valid SIRET for n: 13 digits and a Luhn check digit."""
    body = f"{n:013d}"
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Process:
    """`binary --config=CONFIG` until stop(); up once it logs "... started ... address=HOST:PORT". What it writes
    to standard error is kept (and read all along, so it never blocks on a full pipe)."""

    def __init__(self, binary, config_path):
        self.process = subprocess.Popen([binary, f"--config={config_path}"], stderr=subprocess.PIPE, text=True)
        self.lines = []
        for line in self.process.stderr:
            self.lines.append(line)
            match = re.search(r" started .*address=(\S+)", line)
            if match:
                self.address = match.group(1)
                break
        else:
            self.process.wait()
            raise RuntimeError(f"{binary} exited before announcing its address:\n{''.join(self.lines)}")
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stderr), daemon=True)
        self.reader.start()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)
        self.process.stderr.close()


class LocalProgramme:
    """deploy/pki, then a node of PARTNER in mTLS and its gateway, in a temporary folder removed by stop().
    `tokens` maps each extra gateway token to its principal ({"role": ..., "siret": ...}; the partner is
    PARTNER); the admin and observer tokens are always there. With `https`, the gateway serves HTTPS with the
    partner's node certificate (SAN 127.0.0.1) and clients trust the mesh CA."""

    def __init__(self, tokens=None, https=False):
        self.https = https
        self.dir = tempfile.TemporaryDirectory(prefix="passerelle-local-")
        self.pki = os.path.join(self.dir.name, "pki")
        self.node = self.gateway = None
        try:
            subprocess.run([os.path.join(REPO, "deploy", "pki"), self.pki, PARTNER], check=True,
                           stderr=subprocess.DEVNULL)
            self.node = Process(os.environ["PASSERELLE_NODE_BINARY"],
                                self._write("node.textproto", self._node_config()))
            self.gateway = Process(os.environ["PASSERELLE_GATEWAY_BINARY"],
                                   self._write("gateway.textproto", self._gateway_config(tokens or {})))
        except BaseException:
            self.stop()
            raise
        self.url = f"{'https' if https else 'http'}://{self.gateway.address}"

    def path(self, relative):
        """A file deploy/pki made, e.g. path("ca.pem"), path("solideo/admin.key")."""
        return os.path.join(self.pki, relative)

    def client(self, token=ADMIN_TOKEN):
        return Gateway(self.url, token, ssl.create_default_context(cafile=self.path("ca.pem")) if self.https else None)

    def stop(self):
        for process in (self.gateway, self.node):
            if process is not None:
                process.stop()
        self.dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def _tls(self, stem):
        return (f'tls {{ ca_file: "{self.path("ca.pem")}" cert_file: "{self.path(stem + ".pem")}" '
                f'key_file: "{self.path(stem + ".key")}" }}\n')

    def _node_config(self):
        return (f'partner_id: "{PARTNER}"\nlisten_address: "127.0.0.1:0"\n'
                f'data_dir: "{self.dir.name}/data"\n' + self._tls(f"{PARTNER}/node") +
                f'signing_key_file: "{self.path(PARTNER + "/signing.key")}"\n'
                f'partner_keys {{ partner_id: "{PARTNER}" '
                f'public_key_file: "{self.path(PARTNER + "/signing.pub")}" }}\n'
                f'impact {{ worker_secret_file: "{self.path("impact-secret")}"\n'
                '  hours_target { target_basis_points: 1000 on_track_basis_points: 800 }\n'
                '  amount_target { target_basis_points: 2500 on_track_basis_points: 2000 } }\n')

    def _gateway_config(self, tokens):
        def token(value, role, siret="", methods=()):
            siret_field = f' siret: "{siret}"' if siret else ""
            lines = "".join(f' methods: "{m}"' for m in methods)
            return (f'tokens {{ sha256: "{token_hash(value)}" '
                    f'principal {{ partner_id: "{PARTNER}" role: "{role}"{siret_field} }}{lines} }}\n')
        text = (f'listen_address: "127.0.0.1:0"\nnode_address: "{self.node.address}"\nthreads: 2\n'
                f'partner_id: "{PARTNER}"\n' + self._tls(f"{PARTNER}/gateway") + token(ADMIN_TOKEN, "partner_admin") +
                token(OBSERVER_TOKEN, "observer", methods=("/passerelle.v1.*/Get*", "/passerelle.v1.*/List*")))
        if self.https:
            text += (f'https {{ cert_file: "{self.path(PARTNER + "/node.pem")}" '
                     f'key_file: "{self.path(PARTNER + "/node.key")}" }}\n')
        for value, principal in tokens.items():
            text += token(value, principal["role"], principal.get("siret", ""))
        return text


class Gateway:
    """A JSON client of the gateway: call() answers (HTTP status, decoded JSON body)."""

    def __init__(self, url, token, context=None):
        self.url = url
        self.token = token
        self.context = context  # an ssl.SSLContext for HTTPS

    def call(self, method, path, body=None, raw=None, token=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        token = self.token if token is None else token
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30, context=self.context) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def ok(self, method, path, body=None, raw=None):
        """call() that must answer 200; returns the body."""
        status, answer = self.call(method, path, body, raw)
        if status != 200:
            raise AssertionError(f"{method} {path} answered {status}: {answer}")
        return answer

    def events(self, path, count, token=None, last_event_id=None):
        """The first `count` Server-Sent Events of `path`, as (id, decoded data) pairs; then hangs up."""
        request = urllib.request.Request(self.url + path)
        request.add_header("Authorization", f"Bearer {token or self.token}")
        if last_event_id is not None:
            request.add_header("Last-Event-ID", last_event_id)
        events, event_id, data = [], None, []
        with urllib.request.urlopen(request, timeout=30, context=self.context) as response:
            if response.headers.get_content_type() != "text/event-stream":
                raise AssertionError(f"{path} is not an event stream: {response.headers}")
            for raw_line in response:
                line = raw_line.decode().rstrip("\r\n")
                if line.startswith("id:"):
                    event_id = line[3:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    events.append((event_id, json.loads("\n".join(data))))
                    event_id, data = None, []
                    if len(events) == count:
                        break
        return events


def structure(siret, name, legal_form, sse_status, size_class, headcount, inclusion_kind=None):
    s = {"siret": siret, "displayName": name, "legalForm": legal_form, "sseStatus": sse_status,
         "sizeClass": size_class, "headcount": headcount, "departments": ["93"], "cpvPrefixes": ["4521"]}
    if inclusion_kind:
        s["inclusionKind"] = inclusion_kind
    return s


def tender(tender_id, buyer, title, lots, cpv="45210000-2", theme="THEME_CONSTRUCTION_WASTE"):
    """A forecast notice in 93; `lots` are (estimated amount in cents, reservation) pairs."""
    return {"tenderId": tender_id, "buyer": f"buyers/{buyer}", "title": title, "cpvCodes": [cpv],
            "themes": [theme, "THEME_INSERTION_EMPLOYMENT"], "departments": ["93"], "procedure": "PROCEDURE_OPEN",
            "forecastPublishDate": "2025-01-06", "answerDeadline": "2030-03-01T12:00:00Z",
            "lots": [{"lotNumber": n, "title": f"Lot {n}", "estimatedAmountCents": str(amount), "cpvCodes": [cpv],
                      "reservation": reservation, "insertionHoursRequired": "1500",
                      "awardCriteria": {"price": 40, "quality": 30, "social": 20, "environmental": 10}}
                     for n, (amount, reservation) in enumerate(lots, start=1)]}


def declaration(siret, tender_id, buyer, lot, period, total_hours, insertion_hours, workers):
    """`siret`'s declaration: hours in hundredths, the insertion hours shared among `workers` payroll references,
    all by direct hire and long-term job seekers, so that every breakdown adds up."""
    total, insertion = total_hours * 100, insertion_hours * 100
    shares = [insertion // len(workers)] * len(workers)
    shares[0] += insertion - sum(shares)
    return {"contractorSiret": siret, "buyer": f"buyers/{buyer}", "tender": f"tenders/{tender_id}",
            "lotNumber": lot, "period": period, "totalHundredths": str(total),
            "insertionHundredths": str(insertion),
            "byChannel": [{"channel": "INSERTION_CHANNEL_DIRECT_HIRE", "hundredths": str(insertion)}],
            "byCategory": [{"category": "ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER", "hundredths": str(insertion)}],
            "workers": [{"workerReference": w, "category": "ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER",
                         "channel": "INSERTION_CHANNEL_DIRECT_HIRE", "hundredths": str(h)}
                        for w, h in zip(workers, shares)]}


def award_tender(gateway, tender_id, awards):
    """Publishes, closes and awards tenders/`tender_id`; `awards` maps a lot number to (SIRET, cents, date)."""
    for step in ("publish", "close"):
        gateway.ok("POST", f"/v1/tenders/{tender_id}:{step}", {})
    for lot, (siret, cents, date) in awards.items():
        gateway.ok("POST", f"/v1/tenders/{tender_id}:awardLot",
                   {"award": {"lotNumber": lot, "structure": f"structures/{siret}", "amountCents": str(cents),
                              "awardDate": date}})


def load_sample_programme(gateway):
    """Two buyers; a SCOP (PME, SSE), an ACI (TPE, SSE) and a large company; tenders/village (solideo, two lots,
    awarded to the large company and the ACI) and tenders/aquatics-catering (paris-2024, awarded to the SCOP);
    two published notices and a forecast one; validated declarations over three months and both buyers, and one
    still submitted. Returns what it loaded, as a dict that tests read their expectations from."""
    scop, aci, large = luhn_siret(7_101), luhn_siret(7_102), luhn_siret(7_103)
    for buyer_id, name, kind in (("solideo", "SOLIDEO", "BUYER_KIND_DELIVERY_COMPANY"),
                                 ("paris-2024", "Paris 2024", "BUYER_KIND_ORGANISING_COMMITTEE")):
        gateway.ok("POST", "/v1/buyers", {"buyerId": buyer_id, "displayName": name, "kind": kind,
                                          "departments": ["93"]})
    for s in (structure(scop, "Coopérative Bâtir Ensemble", "LEGAL_FORM_SCOP", "SSE_STATUS_SSE", "SIZE_CLASS_PME",
                        40),
              structure(aci, "Chantier d'insertion du 93", "LEGAL_FORM_ASSOCIATION", "SSE_STATUS_SSE",
                        "SIZE_CLASS_TPE", 8, "INCLUSION_KIND_ACI"),
              structure(large, "Grands Travaux SA", "LEGAL_FORM_COMMERCIAL_COMPANY", "SSE_STATUS_NOT_SSE",
                        "SIZE_CLASS_LARGE", 1200)):
        gateway.ok("POST", "/v1/structures", s)

    catering = ("55520000-1", "THEME_SOLIDARITY_CATERING")
    notices = [tender("village", "solideo", "Déconstruction du village des médias",
                      [(80_000_000, "RESERVATION_NONE"), (20_000_000, "RESERVATION_SIAE")]),
               tender("aquatics-catering", "paris-2024", "Restauration du centre aquatique",
                      [(12_000_000, "RESERVATION_NONE")], *catering),
               tender("media-dismantling", "solideo", "Démontage des tribunes", [(30_000_000, "RESERVATION_NONE")]),
               tender("athletes-meals", "paris-2024", "Repas des bénévoles", [(5_000_000, "RESERVATION_SSE")],
                      *catering),
               tender("forecast-paths", "solideo", "Cheminements du parc", [(9_000_000, "RESERVATION_NONE")])]
    for notice in notices:
        gateway.ok("POST", "/v1/tenders", notice)
    award_tender(gateway, "village", {1: (large, 75_000_000, "2025-02-10"), 2: (aci, 18_000_000, "2025-02-10")})
    award_tender(gateway, "aquatics-catering", {1: (scop, 11_000_000, "2025-03-05")})
    for tender_id in ("media-dismantling", "athletes-meals"):
        gateway.ok("POST", f"/v1/tenders/{tender_id}:publish", {})

    validated = [declaration(large, "village", "solideo", 1, MONTHS[1], 1000, 80, ["GT-1", "GT-2"]),
                 declaration(large, "village", "solideo", 1, MONTHS[2], 1200, 150, ["GT-1", "GT-3"]),
                 declaration(aci, "village", "solideo", 2, MONTHS[2], 200, 120, ["ACI-1", "ACI-2", "ACI-3"]),
                 declaration(scop, "aquatics-catering", "paris-2024", 1, MONTHS[3], 300, 21, ["BE-1"])]
    names = []
    for d in validated:
        name = gateway.ok("POST", "/v1/declarations", d)["name"]
        gateway.ok("POST", f"/v1/{name}:validate", {})
        names.append(name)
    pending = gateway.ok("POST", "/v1/declarations",
                         declaration(scop, "aquatics-catering", "paris-2024", 1, MONTHS[2], 500, 400, ["BE-2"]))
    return {"structures": {"scop": scop, "aci": aci, "large": large},
            "open_tenders": ["tenders/athletes-meals", "tenders/media-dismantling"],
            "awarded_tenders": ["tenders/aquatics-catering", "tenders/village"],
            "validated_declarations": names, "pending_declaration": pending["name"]}


def main(argv):
    sample = "--no-sample" not in argv
    command = argv[argv.index("--") + 1:] if "--" in argv else []
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    with LocalProgramme() as programme:
        loaded = load_sample_programme(programme.client()) if sample else {}
        env = dict(os.environ, PASSERELLE_GATEWAY_URL=programme.url, PASSERELLE_NODE_ADDRESS=programme.node.address,
                   PASSERELLE_PKI_DIR=programme.pki, PASSERELLE_PARTNER=PARTNER,
                   PASSERELLE_ADMIN_TOKEN=ADMIN_TOKEN, PASSERELLE_OBSERVER_TOKEN=OBSERVER_TOKEN,
                   PASSERELLE_SAMPLE=json.dumps(loaded))
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
