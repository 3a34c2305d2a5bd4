#!/usr/bin/env python3
"""A partner's system in another language: Python's standard library only (urllib), through a real
passerelle-gateway process in front of a real passerelle-node process. Creates, reads, updates, imports (NDJSON),
searches and lists structures, and meets the gateway's refusals as such a client would."""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

NODE_BINARY = os.environ["PASSERELLE_NODE_BINARY"]
GATEWAY_BINARY = os.environ["PASSERELLE_GATEWAY_BINARY"]
TOKEN = "python-flow-token"


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


def start(binary, config_path):
    """Starts `binary --config=...` and returns (process, address) once it logs its address."""
    process = subprocess.Popen([binary, f"--config={config_path}"], stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        match = re.search(r" started .*address=(\S+)", line)
        if match:
            return process, match.group(1)
    raise RuntimeError(f"{binary} exited before announcing its address")


def structure(n, name):
    return {"siret": luhn_siret(n), "displayName": name, "legalForm": "LEGAL_FORM_SCOP",
            "sseStatus": "SSE_STATUS_SSE", "sizeClass": "SIZE_CLASS_PME", "headcount": 30}


class GatewayHttpFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        node_config = os.path.join(cls.dir.name, "node.textproto")
        with open(node_config, "w") as f:
            f.write(f'partner_id: "les-canaux"\nlisten_address: "127.0.0.1:0"\ndata_dir: "{cls.dir.name}/data"\n')
        cls.node, node_address = start(NODE_BINARY, node_config)
        gateway_config = os.path.join(cls.dir.name, "gateway.textproto")
        with open(gateway_config, "w") as f:
            f.write(f'listen_address: "127.0.0.1:0"\nnode_address: "{node_address}"\n'
                    f'tokens {{ sha256: "{hashlib.sha256(TOKEN.encode()).hexdigest()}" '
                    f'principal {{ partner_id: "les-canaux" role: "partner_admin" }} }}\n')
        cls.gateway, address = start(GATEWAY_BINARY, gateway_config)
        cls.base = f"http://{address}"

    @classmethod
    def tearDownClass(cls):
        for process in (cls.gateway, cls.node):
            process.terminate()
            process.wait(timeout=30)
            process.stderr.close()
        cls.dir.cleanup()

    def call(self, method, path, body=None, token=TOKEN, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def test_a_structure_lives_its_whole_life_over_http(self):
        status, created = self.call("POST", "/v1/structures", structure(1, "Coopérative Vélo"))
        self.assertEqual(status, 200, created)
        name = created["name"]
        status, got = self.call("GET", f"/v1/{name}")
        self.assertEqual((status, got["displayName"]), (200, "Coopérative Vélo"))
        status, updated = self.call("PATCH", f"/v1/{name}?updateMask=headcount", {"headcount": 42})
        self.assertEqual((status, updated["headcount"]), (200, 42))
        status, found = self.call("POST", "/v1/structures:search", {"query": "velo"})
        self.assertEqual(status, 200)
        self.assertIn(name, [s["name"] for s in found["structures"]])

    def test_an_ndjson_import_then_a_listing(self):
        rows = "\n".join(json.dumps({"row": i, "structure": structure(100 + i, f"Atelier {i}")}) for i in range(5))
        status, summary = self.call("POST", "/v1/structures:import", raw=rows.encode())
        self.assertEqual(status, 200, summary)
        self.assertEqual(summary["created"], "5")
        status, page = self.call("GET", "/v1/structures?pageSize=1000")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(page["structures"]), 5)

    def test_refusals_carry_a_status_and_the_field(self):
        status, error = self.call("POST", "/v1/structures", {"siret": "1", "colour": "red"})
        self.assertEqual((status, error["error"]["status"]), (400, "INVALID_ARGUMENT"))
        self.assertEqual(error["error"]["details"][0]["fieldViolations"][0]["field"], "structure.colour")
        status, error = self.call("GET", "/v1/structures", token="wrong")
        self.assertEqual(status, 401)
        status, error = self.call("GET", f"/v1/structures/{luhn_siret(999)}")
        self.assertEqual((status, error["error"]["status"]), (404, "NOT_FOUND"))

    def test_openapi_lists_the_routes(self):
        status, document = self.call("GET", "/openapi.json", token=None)
        self.assertEqual(status, 200)
        self.assertIn("/v1/structures:import", document["paths"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
