// A partner's system in Node.js calling a node directly over mutual TLS: @grpc/grpc-js, with the API's .proto files
// loaded at run time by @grpc/proto-loader (no generated code), and the certificate deploy/pki makes for solideo's
// IT systems (spiffe://passerelle/partner/solideo/role/partner_admin). Run by tests/support/local_programme.py,
// which starts the node and loads its sample programme:
//   local_programme.py -- node --test grpc_client_test.cjs

'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const repo = path.resolve(__dirname, '..', '..');
const pki = (relative) => fs.readFileSync(path.join(process.env.PASSERELLE_PKI_DIR, relative));
const partner = process.env.PASSERELLE_PARTNER;
const sample = JSON.parse(process.env.PASSERELLE_SAMPLE);
const address = process.env.PASSERELLE_NODE_ADDRESS;

const definition = protoLoader.loadSync(
  ['passerelle/v1/registry.proto', 'passerelle/v1/tender.proto', 'passerelle/v1/impact.proto'],
  { includeDirs: [path.join(repo, 'proto'), process.env.GOOGLEAPIS_PROTO_DIR], longs: String, enums: String,
    defaults: false, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).passerelle.v1;

const mtls = grpc.credentials.createSsl(pki('ca.pem'), pki(`${partner}/admin.key`), pki(`${partner}/admin.pem`));
const registry = new v1.RegistryService(address, mtls);
const tenders = new v1.TenderService(address, mtls);
const impact = new v1.ImpactService(address, mtls);
after(() => [registry, tenders, impact].forEach((client) => client.close()));

function call(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + 10_000 }, (error, response) =>
      (error ? reject(error) : resolve(response)));
  });
}

// A valid SIRET for n: 13 digits and a Luhn check digit, as tests/support/local_programme.py makes them.
function luhnSiret(n) {
  const body = String(n).padStart(13, '0');
  let total = 0;
  [...body].reverse().forEach((c, i) => {
    let d = Number(c);
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    total += d;
  });
  return body + String((10 - (total % 10)) % 10);
}

test('GetStructure reads a structure the sample programme registered', async () => {
  const s = await call(registry, 'GetStructure', { name: `structures/${sample.structures.scop}` });
  assert.equal(s.displayName, 'Coopérative Bâtir Ensemble');
  assert.equal(s.sizeClass, 'SIZE_CLASS_PME');
  assert.equal(s.sseStatus, 'SSE_STATUS_SSE');
  assert.equal(s.ownerPartner, partner);
});

test('CreateStructure as the partner admin, then the node answers it back', async () => {
  const siret = luhnSiret(7_201);
  const created = await call(registry, 'CreateStructure', { structure: {
    siret, displayName: 'Atelier Node.js', legalForm: 'LEGAL_FORM_SCIC', sseStatus: 'SSE_STATUS_SSE',
    sizeClass: 'SIZE_CLASS_TPE', headcount: 6 } });
  assert.equal(created.name, `structures/${siret}`);
  const got = await call(registry, 'GetStructure', { name: created.name });
  assert.equal(got.etag, created.etag);
});

test('ListTenders filters published notices', async () => {
  const listing = await call(tenders, 'ListTenders', { statuses: ['TENDER_STATUS_PUBLISHED'], pageSize: 100 });
  assert.deepEqual(listing.tenders.map((t) => t.name).sort(), sample.open_tenders);
  assert.ok(listing.tenders.every((t) => t.status === 'TENDER_STATUS_PUBLISHED'));
});

test('GetImpactReport answers the two targets by month', async () => {
  const report = await call(impact, 'GetImpactReport', { groupBy: 'REPORT_DIMENSION_MONTH' });
  // 371 insertion hours of 2,700 validated; 290,000 of 1,040,000 euros to TPE/PME and SSE structures.
  assert.equal(report.totals.totalHundredths, '270000');
  assert.equal(report.totals.insertionHundredths, '37100');
  assert.equal(report.totals.insertionRatioBasisPoints, 1374);
  assert.equal(report.totals.hoursTargetStatus, 'TARGET_STATUS_MET');
  assert.equal(report.totals.smeSseShareBasisPoints, 2788);
  assert.deepEqual(report.rows.map((r) => r.group), ['2025-02', '2025-03', '2025-04']);
  assert.equal(report.hoursTarget.targetBasisPoints, 1000);
});

test('a refusal arrives as its gRPC status', async () => {
  await assert.rejects(call(registry, 'GetStructure', { name: `structures/${luhnSiret(7_999)}` }),
    (error) => error.code === grpc.status.NOT_FOUND);
});

test('without a client certificate the node does not answer', async () => {
  const anonymous = new v1.RegistryService(address, grpc.credentials.createSsl(pki('ca.pem')));
  try {
    await assert.rejects(call(anonymous, 'GetStructure', { name: `structures/${sample.structures.scop}` }),
      (error) => error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.UNAUTHENTICATED);
  } finally {
    anonymous.close();
  }
});
