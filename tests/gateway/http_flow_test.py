#!/usr/bin/env python3
"""Partners' and contractors' systems in another language: Python's standard library only (urllib), through a
real passerelle-gateway process in front of a real passerelle-node process in mutual TLS
(tests/support/local_programme.py). A partner creates, reads, updates, imports (NDJSON), searches and lists
structures; a contractor whose token is bound to its SIRET declares its hours, one by one and as an NDJSON batch,
reads them back, is refused for another company, and follows tenders as Server-Sent Events; both meet the
gateway's refusals as such clients would. All of it again over HTTPS, where a plain-HTTP client and a client that
does not trust the gateway's certificate get no answer."""

import http.client
import json
import os
import ssl
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from local_programme import (MONTHS, LocalProgramme, declaration, load_sample_programme,  # noqa: E402
                             luhn_siret, structure)

CONTRACTOR_TOKEN = "contractor-token"


def minimal_structure(n, name):
    return structure(luhn_siret(n), name, "LEGAL_FORM_SCOP", "SSE_STATUS_SSE", "SIZE_CLASS_PME", 30)


class GatewayHttpFlow(unittest.TestCase):
    HTTPS = False

    @classmethod
    def setUpClass(cls):
        # The contractor is the large company of the sample programme, which holds lot 1 of tenders/village.
        cls.contractor = luhn_siret(7_103)
        cls.programme = LocalProgramme({CONTRACTOR_TOKEN: {"role": "contractor", "siret": cls.contractor}},
                                       https=cls.HTTPS)
        cls.admin = cls.programme.client()
        cls.sample = load_sample_programme(cls.admin)
        assert cls.sample["structures"]["large"] == cls.contractor
        cls.company = cls.programme.client(CONTRACTOR_TOKEN)

    @classmethod
    def tearDownClass(cls):
        cls.programme.stop()

    def test_a_structure_lives_its_whole_life_over_http(self):
        status, created = self.admin.call("POST", "/v1/structures", minimal_structure(1, "Coopérative Vélo"))
        self.assertEqual(status, 200, created)
        name = created["name"]
        status, got = self.admin.call("GET", f"/v1/{name}")
        self.assertEqual((status, got["displayName"]), (200, "Coopérative Vélo"))
        status, updated = self.admin.call("PATCH", f"/v1/{name}?updateMask=headcount", {"headcount": 42})
        self.assertEqual((status, updated["headcount"]), (200, 42))
        status, found = self.admin.call("POST", "/v1/structures:search", {"query": "velo"})
        self.assertEqual(status, 200)
        self.assertIn(name, [s["name"] for s in found["structures"]])

    def test_an_ndjson_import_then_a_listing(self):
        rows = "\n".join(json.dumps({"row": i, "structure": minimal_structure(100 + i, f"Atelier {i}")})
                         for i in range(5))
        status, summary = self.admin.call("POST", "/v1/structures:import", raw=rows.encode())
        self.assertEqual(status, 200, summary)
        self.assertEqual(summary["created"], "5")
        status, page = self.admin.call("GET", "/v1/structures?pageSize=1000")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(page["structures"]), 5)

    def test_refusals_carry_a_status_and_the_field(self):
        status, error = self.admin.call("POST", "/v1/structures", {"siret": "1", "colour": "red"})
        self.assertEqual((status, error["error"]["status"]), (400, "INVALID_ARGUMENT"))
        self.assertEqual(error["error"]["details"][0]["fieldViolations"][0]["field"], "structure.colour")
        status, error = self.admin.call("GET", "/v1/structures", token="wrong")
        self.assertEqual(status, 401)
        status, error = self.admin.call("GET", f"/v1/structures/{luhn_siret(999)}")
        self.assertEqual((status, error["error"]["status"]), (404, "NOT_FOUND"))

    def test_openapi_lists_the_routes(self):
        status, document = self.admin.call("GET", "/openapi.json", token="")
        self.assertEqual(status, 200)
        self.assertIn("/v1/structures:import", document["paths"])
        self.assertIn("/v1/declarations:batchSubmit", document["paths"])

    def village_lot_1(self, period, siret=None, total_hours=800, insertion_hours=60):
        return declaration(siret or self.contractor, "village", "solideo", 1, period, total_hours, insertion_hours,
                           [f"PAY-{period}-1", f"PAY-{period}-2"])

    def test_a_contractor_declares_its_hours_and_reads_them_back(self):
        # One declaration...
        status, single = self.company.call("POST", "/v1/declarations", self.village_lot_1(MONTHS[0]))
        self.assertEqual(status, 200, single)
        self.assertEqual((single["status"], single["contractorSiret"]), ("DECLARATION_STATUS_SUBMITTED",
                                                                          self.contractor))
        self.assertNotIn("workerReference", json.dumps(single), "references never come back, only pseudonyms")
        # ...then a month's upload as NDJSON: each line is judged on its own, and a line for another company
        # is refused as such while the others are taken.
        lines = [{"declaration": self.village_lot_1(MONTHS[3])},
                 {"declaration": self.village_lot_1(MONTHS[3], siret=self.sample["structures"]["scop"])},
                 {"declaration": self.village_lot_1(MONTHS[0], total_hours=900)}]
        status, batch = self.company.call("POST", "/v1/declarations:batchSubmit",
                                          raw="\n".join(json.dumps(line) for line in lines).encode())
        self.assertEqual(status, 200, batch)
        self.assertEqual((batch["accepted"], batch["rejected"]), (1, 2), batch)
        results = {r.get("index", 0): r for r in batch["results"]}
        self.assertTrue(results[0]["name"].startswith("declarations/"))
        self.assertEqual(results[1]["error"]["code"], 7, "PERMISSION_DENIED: another company's SIRET")
        self.assertEqual(results[2]["error"]["code"], 6, "ALREADY_EXISTS: that month is declared otherwise")

        # Read back, one and all of this company's.
        status, got = self.company.call("GET", f"/v1/{single['name']}")
        self.assertEqual((status, got["totalHundredths"]), (200, "80000"))
        status, listed = self.company.call("GET", f"/v1/declarations?contractorSiret={self.contractor}"
                                                  f"&periodFrom={MONTHS[0]}&periodTo={MONTHS[3]}&pageSize=100")
        self.assertEqual(status, 200, listed)
        by_period = {d["period"]: d["status"] for d in listed["declarations"]}
        self.assertEqual(by_period, {MONTHS[0]: "DECLARATION_STATUS_SUBMITTED",
                                     MONTHS[1]: "DECLARATION_STATUS_VALIDATED",
                                     MONTHS[2]: "DECLARATION_STATUS_VALIDATED",
                                     MONTHS[3]: "DECLARATION_STATUS_SUBMITTED"})

    def test_a_contractor_may_not_declare_for_another_company_nor_review(self):
        other = self.sample["structures"]["aci"]
        status, error = self.company.call("POST", "/v1/declarations",
                                          declaration(other, "village", "solideo", 2, MONTHS[0], 100, 10, ["X-1"]))
        self.assertEqual((status, error["error"]["status"]), (403, "PERMISSION_DENIED"), error)
        self.assertIn(self.contractor, error["error"]["message"])
        status, error = self.company.call("POST", f"/v1/{self.sample['pending_declaration']}:validate", {})
        self.assertEqual((status, error["error"]["status"]), (403, "PERMISSION_DENIED"), error)
        self.assertEqual(self.company.call("GET", "/v1/declarations", token="forged")[0], 401)

    def test_a_contractor_follows_tenders_as_server_sent_events(self):
        # The snapshot: every notice in 93 as it stands, each event with an id to resume from.
        snapshot = self.company.events("/v1/tenders:watch?departments=93", count=5)
        self.assertTrue(all(event["snapshot"] for _, event in snapshot))
        self.assertEqual(sorted(event["tender"]["tenderId"] for _, event in snapshot),
                         ["aquatics-catering", "athletes-meals", "forecast-paths", "media-dismantling", "village"])
        last_id = snapshot[-1][0]
        self.assertTrue(last_id)
        # A notice published meanwhile arrives first when the client comes back with Last-Event-ID.
        self.admin.ok("POST", "/v1/tenders/forecast-paths:publish", {})
        (event_id, event), = self.company.events("/v1/tenders:watch?departments=93", count=1, last_event_id=last_id)
        self.assertEqual((event["action"], event["tender"]["tenderId"], event.get("snapshot", False)),
                         ("TENDER_ACTION_PUBLISHED", "forecast-paths", False))
        self.assertNotEqual(event_id, last_id)


class GatewayHttpsFlow(GatewayHttpFlow):
    """The same partners and contractor, over HTTPS."""
    HTTPS = True

    def test_the_gateway_speaks_only_tls(self):
        self.assertTrue(self.programme.url.startswith("https://"))
        address = self.programme.url[len("https://"):]
        # A plain-HTTP request is not answered in HTTP: the gateway waits for a TLS handshake.
        with self.assertRaises((http.client.HTTPException, ConnectionError, urllib.error.URLError)):
            urllib.request.urlopen(f"http://{address}/healthz", timeout=30).read()
        # A client that does not trust the mesh CA refuses the gateway's certificate.
        with self.assertRaises(urllib.error.URLError) as refused:
            urllib.request.urlopen(self.programme.url + "/healthz", timeout=30,
                                   context=ssl.create_default_context())
        self.assertIsInstance(refused.exception.reason, ssl.SSLCertVerificationError)
        # The same request from a client that trusts it is answered.
        with urllib.request.urlopen(self.programme.url + "/healthz", timeout=30,
                                    context=ssl.create_default_context(cafile=self.programme.path("ca.pem"))) as ok:
            self.assertEqual(ok.status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
