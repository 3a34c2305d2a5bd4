#!/usr/bin/env python3
"""A partner's system in Python calling a node directly over mutual TLS: Debian's python3-grpcio, with stubs
generated when the test starts from proto/ and the googleapis protos (protoc and grpc_python_plugin from Debian's
protobuf-compiler and protobuf-compiler-grpc: python3-grpc-tools bundles a protoc 3.5 that predates proto3
`optional`, which impact.proto uses), and the certificate deploy/pki makes for solideo's IT systems. The node is a
real process with its sample programme (tests/support/local_programme.py). Runs under the Python that
python3-grpcio is installed for (/usr/bin/python3)."""

import glob
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))
from local_programme import PARTNER, LocalProgramme, load_sample_programme, luhn_siret  # noqa: E402

import grpc  # noqa: E402

GOOGLEAPIS = os.environ.get("GOOGLEAPIS_PROTO_DIR", "/usr/share/gocode/src/github.com/gogo/googleapis")


def generate_stubs(out_dir):
    """passerelle/v1/*_pb2.py and *_pb2_grpc.py, and the googleapis modules they import, into out_dir."""
    protos = sorted(glob.glob(os.path.join(REPO, "proto", "passerelle", "v1", "*.proto")))
    google = ["google/api/annotations.proto", "google/api/http.proto", "google/rpc/status.proto"]
    subprocess.run(["protoc", f"-I{os.path.join(REPO, 'proto')}", f"-I{GOOGLEAPIS}", f"--python_out={out_dir}",
                    f"--grpc_python_out={out_dir}", "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
                    *protos, *google], check=True)


STUBS = tempfile.TemporaryDirectory(prefix="passerelle-stubs-")  # removed at exit
generate_stubs(STUBS.name)
sys.path.insert(0, STUBS.name)
from passerelle.v1 import (impact_pb2, impact_pb2_grpc, registry_pb2, registry_pb2_grpc, tender_pb2,  # noqa: E402
                           tender_pb2_grpc)


class PythonGrpcClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.programme = LocalProgramme()
        cls.sample = load_sample_programme(cls.programme.client())
        cls.channel = grpc.secure_channel(cls.programme.node.address, cls.credentials(with_certificate=True))
        cls.registry = registry_pb2_grpc.RegistryServiceStub(cls.channel)
        cls.tenders = tender_pb2_grpc.TenderServiceStub(cls.channel)
        cls.impact = impact_pb2_grpc.ImpactServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.programme.stop()

    @classmethod
    def credentials(cls, with_certificate):
        """Trusting the mesh CA; presenting solideo's admin certificate, or none."""
        def read(relative):
            with open(cls.programme.path(relative), "rb") as f:
                return f.read()
        if not with_certificate:
            return grpc.ssl_channel_credentials(read("ca.pem"))
        return grpc.ssl_channel_credentials(read("ca.pem"), read(f"{PARTNER}/admin.key"), read(f"{PARTNER}/admin.pem"))

    def test_get_structure_reads_what_the_sample_registered(self):
        s = self.registry.GetStructure(registry_pb2.GetStructureRequest(
            name=f"structures/{self.sample['structures']['aci']}"), timeout=10)
        self.assertEqual(s.display_name, "Chantier d'insertion du 93")
        self.assertEqual(s.inclusion_kind, registry_pb2.INCLUSION_KIND_ACI)
        self.assertEqual(s.owner_partner, PARTNER)

    def test_create_structure_as_the_partner_admin(self):
        siret = luhn_siret(7_301)
        created = self.registry.CreateStructure(registry_pb2.CreateStructureRequest(structure=registry_pb2.Structure(
            siret=siret, display_name="Atelier Python", legal_form=registry_pb2.LEGAL_FORM_SCOP,
            sse_status=registry_pb2.SSE_STATUS_SSE, size_class=registry_pb2.SIZE_CLASS_TPE, headcount=4)), timeout=10)
        self.assertEqual(created.name, f"structures/{siret}")

    def test_list_tenders_filters_published_notices(self):
        listing = self.tenders.ListTenders(tender_pb2.ListTendersRequest(
            statuses=[tender_pb2.TENDER_STATUS_PUBLISHED], page_size=100), timeout=10)
        self.assertEqual(sorted(t.name for t in listing.tenders), self.sample["open_tenders"])

    def test_impact_report_by_buyer(self):
        report = self.impact.GetImpactReport(impact_pb2.GetImpactReportRequest(
            group_by=impact_pb2.REPORT_DIMENSION_BUYER), timeout=10)
        rows = {r.group: r.figures for r in report.rows}
        self.assertEqual(sorted(rows), ["buyers/paris-2024", "buyers/solideo"])
        # SOLIDEO: 350 insertion hours of 2,400; 180,000 of 930,000 euros to TPE/PME and SSE structures.
        solideo = rows["buyers/solideo"]
        self.assertEqual((solideo.insertion_hundredths, solideo.total_hundredths), (35_000, 240_000))
        self.assertEqual(solideo.insertion_ratio_basis_points, 1458)
        self.assertEqual(solideo.sme_sse_share_basis_points, 1935)
        self.assertEqual(solideo.amount_target_status, impact_pb2.TARGET_STATUS_BEHIND)
        self.assertEqual(rows["buyers/paris-2024"].sme_sse_share_basis_points, 10_000)
        self.assertEqual(report.totals.insertion_ratio_basis_points, 1374)

    def test_a_refusal_arrives_as_its_grpc_status(self):
        with self.assertRaises(grpc.RpcError) as refused:
            self.registry.GetStructure(registry_pb2.GetStructureRequest(name=f"structures/{luhn_siret(7_999)}"),
                                       timeout=10)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_without_a_client_certificate_the_node_does_not_answer(self):
        with grpc.secure_channel(self.programme.node.address, self.credentials(with_certificate=False)) as anonymous:
            with self.assertRaises(grpc.RpcError) as refused:
                registry_pb2_grpc.RegistryServiceStub(anonymous).GetStructure(
                    registry_pb2.GetStructureRequest(name=f"structures/{self.sample['structures']['aci']}"),
                    timeout=10)
        self.assertIn(refused.exception.code(), (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAUTHENTICATED))


if __name__ == "__main__":
    unittest.main(verbosity=2)
