// passerelle: the command-line client of a Passerelle node.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/csv.h"
#include "cli/demo_data.h"
#include "cli/demo_declarations_load.h"
#include "cli/demo_tenders.h"
#include "cli/impact_report.h"
#include "cli/ocds.h"
#include "cli/ocds_export.h"
#include "cli/rpc_error.h"
#include "cli/structure_csv.h"
#include "cli/structure_import.h"
#include "cli/tender_digest.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "mesh/identity.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/mesh.grpc.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "store/audit.h"

ABSL_FLAG(std::string, node, "127.0.0.1:7401", "address of the node to talk to (host:port)");
ABSL_FLAG(std::string, ca_file, "", "mutual TLS: the mesh CA certificate (PEM)");
ABSL_FLAG(std::string, cert_file, "", "mutual TLS: this client's certificate (PEM)");
ABSL_FLAG(std::string, key_file, "", "mutual TLS: this client's private key (PEM)");
ABSL_FLAG(std::string, buyer, "",
          "demo tenders/declarations: the buyer id whose notices to create or declare on, e.g. "
          "solideo");
ABSL_FLAG(std::string, week, "", "tenders digest: the ISO week, e.g. 2024-W07");
ABSL_FLAG(std::string, out_dir, "", "tenders digest: the directory to write the Markdown files to");
ABSL_FLAG(int, count, 6000, "demo structures/tenders/declarations: how many to generate");
ABSL_FLAG(uint64_t, seed, 1,
          "demo structures/tenders/declarations: the seed; the same seed gives the same data");
ABSL_FLAG(int, validate_percent, 80,
          "demo declarations: the share of declarations a facilitator validates (3 % are "
          "rejected, the rest left submitted)");
ABSL_FLAG(std::string, out, "",
          "demo structures: the CSV file to write; tenders ocds, impact report: the file to write "
          "(standard output when empty)");
ABSL_FLAG(std::string, scope, "",
          "impact report: event (default), buyer, tender, lot, contractor, theme or department");
ABSL_FLAG(std::string, scope_value, "",
          "impact report: which one, e.g. buyers/solideo, tenders/t-00001/lots/2, a SIRET, "
          "THEME_GREEN_MOBILITY, 93");
ABSL_FLAG(std::string, group_by, "",
          "impact report: one row per month, buyer, tender, lot, contractor, theme or department "
          "(default: the totals only)");
ABSL_FLAG(std::string, period_from, "", "impact report: the first month, YYYY-MM (inclusive)");
ABSL_FLAG(std::string, period_to, "", "impact report: the last month, YYYY-MM (inclusive)");
ABSL_FLAG(std::string, format, "csv",
          "impact report: csv (a line per row and a total line) or json (the ImpactReport as "
          "proto3 JSON)");
ABSL_FLAG(std::string, ocid_prefix, "ocds-passerelle-",
          "tenders ocds: the publisher's OCDS prefix, registered with the Open Contracting "
          "Partnership, with its trailing dash; each ocid is this plus the tender id");
ABSL_FLAG(std::string, publisher, "Passerelle", "tenders ocds: the publisher's name");
ABSL_FLAG(std::string, package_uri, "urn:passerelle:tenders:ocds",
          "tenders ocds: the release package's URI, where it will be published");
ABSL_FLAG(std::string, query, "",
          "structures search: words to match in names, descriptions, solutions");
ABSL_FLAG(std::vector<std::string>, theme, {},
          "structures search: themes, e.g. green_mobility,energy_efficiency");
ABSL_FLAG(std::vector<std::string>, department, {}, "structures search: departments, e.g. 93,75");
ABSL_FLAG(std::vector<std::string>, cpv, {}, "structures search: CPV prefixes, e.g. 45,90");
ABSL_FLAG(std::vector<std::string>, inclusion, {},
          "structures search: inclusion kinds, e.g. aci,ei");
ABSL_FLAG(int, page_size, 0, "structures search/list: results per page (0: the server's default)");
ABSL_FLAG(std::string, data_dir, "", "audit verify: the node's data directory (its RocksDB store)");
ABSL_FLAG(std::string, page_token, "",
          "structures search/list: the page to read, from a previous call");

namespace passerelle::cli {
namespace {

constexpr char kUsage[] = R"(the command-line client of a Passerelle node.

usage:
  passerelle structures import FILE.csv
  passerelle structures get SIRET
  passerelle structures search [--query=TEXT] [--theme=a,b] [--department=93,75] [--cpv=45]
                               [--inclusion=aci] [--page_size=N] [--page_token=T]
  passerelle structures list [--page_size=N] [--page_token=T]
  passerelle demo structures [--count=6000] [--seed=1] [--out=FILE.csv]
  passerelle demo tenders --buyer=ID [--count=100] [--seed=1]
                                      declares the buyer (once) and creates notices of it, half published
  passerelle demo declarations --buyer=ID [--count=N] [--seed=1] [--validate_percent=80]
                                      closes the buyer's published notices, awards their lots, then submits
                                      and reviews monthly insertion-hour declarations on them
  passerelle tenders digest --week=2024-W07 --out_dir=DIR
                                      the weekly newsletter: one Markdown digest per structure, and index.md
  passerelle tenders ocds [--out=FILE.json] [--ocid_prefix=ocds-abc123-] [--publisher=NAME]
                          [--package_uri=URI]
                                      every notice and award as an OCDS 1.1 release package (JSON)
  passerelle impact report [--scope=event|buyer|tender|lot|contractor|theme|department]
                           [--scope_value=V] [--group_by=month|buyer|tender|lot|contractor|theme|department]
                           [--period_from=YYYY-MM] [--period_to=YYYY-MM] [--format=csv|json] [--out=FILE]
                                      the insertion-hour and SME/SSE-amount figures against their targets
  passerelle mesh status              replication health per peer, as the node sees it
  passerelle mesh digest              the node's version vector and a hash per record kind
  passerelle audit verify --data_dir=DIR   checks a node's audit chain offline; names the first bad entry
every command that calls a node takes --node=HOST:PORT (default 127.0.0.1:7401) and, for a node that
requires mutual TLS, --ca_file=CA.pem --cert_file=CERT.pem --key_file=KEY.pem (made by deploy/pki).)";

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr auto kUnaryDeadline = std::chrono::seconds(30);

// The channel every command uses: mutual TLS when certificate files are given, plaintext otherwise.
std::shared_ptr<grpc::Channel> NodeChannel() {
  v1::TlsConfig tls;
  tls.set_ca_file(absl::GetFlag(FLAGS_ca_file));
  tls.set_cert_file(absl::GetFlag(FLAGS_cert_file));
  tls.set_key_file(absl::GetFlag(FLAGS_key_file));
  if (tls.ca_file().empty() && tls.cert_file().empty() && tls.key_file().empty()) {
    return grpc::CreateChannel(absl::GetFlag(FLAGS_node), grpc::InsecureChannelCredentials());
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = mesh::ChannelCredentials(tls);
  if (!credentials.ok()) {
    std::cerr << "error: " << credentials.status().message() << "\n";
    std::exit(kExitUsage);
  }
  return grpc::CreateChannel(absl::GetFlag(FLAGS_node), *credentials);
}

std::unique_ptr<v1::RegistryService::Stub> RegistryStub() { return v1::RegistryService::NewStub(NodeChannel()); }

void SetUnaryDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
}

int ReportRpcError(const grpc::Status& status) {
  std::cerr << DescribeRpcError(status);
  return kExitFailure;
}

std::string ThemeNames(const v1::Structure& s) {
  std::vector<std::string> names;
  for (int theme : s.themes()) names.push_back(EnumCell(*v1::Theme_descriptor(), theme));
  return absl::StrJoin(names, ",");
}

void PrintStructureLine(const v1::Structure& s) {
  std::cout << absl::StrCat(s.siret(), "\t", s.display_name(), "\t",
                            absl::StrJoin(s.departments(), ","), "\t", ThemeNames(s), "\n");
}

int ImportStructures(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::cerr << "error: cannot open " << path << "\n";
    return kExitFailure;
  }
  const absl::Time start = absl::Now();
  auto progress = [start](int64_t rows) {
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::cerr << absl::StrFormat("%d rows read (%.0f rows/s)\n", rows,
                                 seconds > 0 ? rows / seconds : 0.0);
  };
  ImportSummary summary;
  grpc::Status status = ImportStructureCsv(file, *RegistryStub(), progress, &summary);
  if (!status.ok()) return ReportRpcError(status);

  std::cout << absl::StrFormat("created: %d\nupdated: %d\nrejected: %d\n", summary.created,
                               summary.updated, summary.rejected.size());
  for (const v1::ImportRejection& r : summary.rejected) {
    std::cout << absl::StrFormat("  line %d, siret %s: %s\n", r.row(),
                                 r.siret().empty() ? "?" : r.siret(), r.reason());
  }
  return kExitOk;
}

int GetStructure(const std::string& siret) {
  auto stub = RegistryStub();
  grpc::ClientContext context;
  SetUnaryDeadline(&context);
  v1::GetStructureRequest request;
  request.set_name(absl::StrCat("structures/", siret));
  v1::Structure structure;
  grpc::Status status = stub->GetStructure(&context, request, &structure);
  if (!status.ok()) return ReportRpcError(status);

  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(structure, &json, options).ok()) {
    std::cerr << "error: cannot print the structure as JSON\n";
    return kExitFailure;
  }
  std::cout << json;
  return kExitOk;
}

// Parses flag values naming values of an enum, e.g. --theme=green_mobility,energy_efficiency.
bool ParseEnumFlag(absl::string_view flag, const std::vector<std::string>& cells,
                   const google::protobuf::EnumDescriptor& type,
                   google::protobuf::RepeatedField<int>* out) {
  for (const std::string& cell : cells) {
    auto value = ParseEnumCell(type, cell);
    if (!value.ok()) {
      std::cerr << "error: --" << flag << ": " << value.status().message() << "\n";
      return false;
    }
    out->Add(*value);
  }
  return true;
}

int SearchStructures() {
  v1::SearchStructuresRequest request;
  request.set_query(absl::GetFlag(FLAGS_query));
  for (const std::string& d : absl::GetFlag(FLAGS_department)) request.add_departments(d);
  for (const std::string& c : absl::GetFlag(FLAGS_cpv)) request.add_cpv_prefixes(c);
  if (!ParseEnumFlag("theme", absl::GetFlag(FLAGS_theme), *v1::Theme_descriptor(),
                     request.mutable_themes()) ||
      !ParseEnumFlag("inclusion", absl::GetFlag(FLAGS_inclusion), *v1::InclusionKind_descriptor(),
                     request.mutable_inclusion_kinds())) {
    return kExitUsage;
  }
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));

  auto stub = RegistryStub();
  grpc::ClientContext context;
  SetUnaryDeadline(&context);
  v1::SearchStructuresResponse response;
  grpc::Status status = stub->SearchStructures(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  for (const v1::Structure& s : response.structures()) PrintStructureLine(s);
  if (!response.next_page_token().empty()) {
    std::cout << "next page: --page_token=" << response.next_page_token() << "\n";
  }
  return kExitOk;
}

int ListStructures() {
  v1::ListStructuresRequest request;
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  auto stub = RegistryStub();
  grpc::ClientContext context;
  SetUnaryDeadline(&context);
  v1::ListStructuresResponse response;
  grpc::Status status = stub->ListStructures(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  for (const v1::Structure& s : response.structures()) PrintStructureLine(s);
  if (!response.next_page_token().empty()) {
    std::cout << "next page: --page_token=" << response.next_page_token() << "\n";
  }
  return kExitOk;
}

int WriteDemoStructures() {
  const std::string path = absl::GetFlag(FLAGS_out);
  std::ofstream file;
  if (!path.empty()) {
    file.open(path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "error: cannot write " << path << "\n";
      return kExitFailure;
    }
  }
  std::ostream& out = path.empty() ? std::cout : file;
  CsvWriter writer(out);
  writer.WriteRecord(StructureCsvColumns());
  StructureGenerator generator(absl::GetFlag(FLAGS_seed));
  for (int i = 0; i < absl::GetFlag(FLAGS_count); ++i) {
    auto row = StructureToCsvRow(generator.Next());
    if (!row.ok()) {
      std::cerr << "error: " << row.status().message() << "\n";
      return kExitFailure;
    }
    writer.WriteRecord(*row);
  }
  out.flush();
  if (!out) {
    std::cerr << "error: writing " << (path.empty() ? "standard output" : path) << " failed\n";
    return kExitFailure;
  }
  return kExitOk;
}

int UsageError();

// Creates the buyer (unless it exists) and --count notices of it, publishing every other one.
int CreateDemoTenders() {
  const std::string buyer_id = absl::GetFlag(FLAGS_buyer);
  if (buyer_id.empty()) return UsageError();
  std::shared_ptr<grpc::Channel> channel = NodeChannel();
  auto registry = v1::RegistryService::NewStub(channel);
  auto tenders = v1::TenderService::NewStub(channel);
  {
    grpc::ClientContext context;
    SetUnaryDeadline(&context);
    v1::CreateBuyerRequest request;
    request.mutable_buyer()->set_buyer_id(buyer_id);
    request.mutable_buyer()->set_display_name(buyer_id);
    request.mutable_buyer()->set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
    request.mutable_buyer()->add_departments("93");
    v1::Buyer buyer;
    grpc::Status status = registry->CreateBuyer(&context, request, &buyer);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) return ReportRpcError(status);
  }
  TenderGenerator generator(absl::GetFlag(FLAGS_seed), {buyer_id}, buyer_id);
  int created = 0, published = 0;
  for (int i = 0; i < absl::GetFlag(FLAGS_count); ++i) {
    grpc::ClientContext context;
    SetUnaryDeadline(&context);
    v1::CreateTenderRequest request;
    *request.mutable_tender() = generator.Next();
    v1::Tender tender;
    grpc::Status status = tenders->CreateTender(&context, request, &tender);
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) continue;
    if (!status.ok()) return ReportRpcError(status);
    ++created;
    if (i % 2 == 1) continue;
    grpc::ClientContext publish_context;
    SetUnaryDeadline(&publish_context);
    v1::PublishTenderRequest publish;
    publish.set_name(tender.name());
    status = tenders->PublishTender(&publish_context, publish, &tender);
    if (!status.ok()) return ReportRpcError(status);
    ++published;
  }
  std::cout << absl::StrFormat("buyers/%s: %d notices created, %d published\n", buyer_id, created, published);
  return kExitOk;
}

// Takes the buyer's notices to awarded lots, then submits and reviews --count declarations on them.
int CreateDemoDeclarations() {
  DemoDeclarationsOptions options;
  options.buyer_id = absl::GetFlag(FLAGS_buyer);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.count = absl::GetFlag(FLAGS_count);
  options.validate_percent = absl::GetFlag(FLAGS_validate_percent);
  if (options.buyer_id.empty() || options.count < 0 || options.validate_percent < 0 ||
      options.validate_percent > 100) {
    return UsageError();
  }
  std::shared_ptr<grpc::Channel> channel = NodeChannel();
  auto registry = v1::RegistryService::NewStub(channel);
  auto tenders = v1::TenderService::NewStub(channel);
  auto impact = v1::ImpactService::NewStub(channel);
  DemoDeclarationsRun run;
  grpc::Status status = LoadDemoDeclarations(*registry, *tenders, *impact, options, &run);
  if (!status.ok()) return ReportRpcError(status);
  std::cout << absl::StrFormat(
      "buyers/%s: %d notices, %d closed, %d lots awarded; %d declarations held (%d refused), %d "
      "validated, %d rejected, %d reviewed before\n",
      options.buyer_id, run.notices, run.closed, run.lots_awarded, run.accepted, run.refused,
      run.validated, run.rejected, run.already_reviewed);
  if (run.refused > 0) std::cout << "first refusal: " << run.first_refusal << "\n";
  return kExitOk;
}

int WriteDigests() {
  const std::string week = absl::GetFlag(FLAGS_week);
  const std::string dir = absl::GetFlag(FLAGS_out_dir);
  if (week.empty() || dir.empty()) return UsageError();
  std::shared_ptr<grpc::Channel> channel = NodeChannel();
  auto registry = v1::RegistryService::NewStub(channel);
  auto tenders = v1::TenderService::NewStub(channel);
  DigestRun run;
  grpc::Status status = WriteWeeklyDigests(*registry, *tenders, week, dir, &run);
  if (!status.ok()) return ReportRpcError(status);
  std::cout << absl::StrFormat("%d digests written to %s (%d with notices, %d notice entries); see index.md\n",
                               run.structures, dir, run.with_notices, run.notices);
  return kExitOk;
}

// Writes `text` to the file at `path`, or to standard output when `path` is empty.
int WriteOutput(const std::string& path, absl::string_view text) {
  if (path.empty()) {
    std::cout << text << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    std::cerr << "error: cannot write " << path << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

// Writes the OCDS release package of every notice the node holds to --out, or standard output.
int WriteOcds() {
  std::shared_ptr<grpc::Channel> channel = NodeChannel();
  auto registry = v1::RegistryService::NewStub(channel);
  auto tenders = v1::TenderService::NewStub(channel);
  OcdsPublication publication;
  publication.publisher_name = absl::GetFlag(FLAGS_publisher);
  publication.uri = absl::GetFlag(FLAGS_package_uri);
  publication.ocid_prefix = absl::GetFlag(FLAGS_ocid_prefix);
  publication.published_date = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  std::string json;
  grpc::Status status = ExportOcds(*registry, *tenders, std::move(publication), &json);
  if (!status.ok()) return ReportRpcError(status);

  return WriteOutput(absl::GetFlag(FLAGS_out), json);
}

// Writes the figures of GetImpactReport as CSV or JSON to --out, or standard output.
int WriteImpactReport() {
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "csv" && format != "json") {
    std::cerr << "error: --format must be csv or json, not '" << format << "'\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::GetImpactReportRequest> request = ImpactReportRequest(
      absl::GetFlag(FLAGS_scope), absl::GetFlag(FLAGS_scope_value), absl::GetFlag(FLAGS_group_by),
      absl::GetFlag(FLAGS_period_from), absl::GetFlag(FLAGS_period_to));
  if (!request.ok()) {
    std::cerr << "error: " << request.status().message() << "\n";
    return kExitUsage;
  }
  auto impact = v1::ImpactService::NewStub(NodeChannel());
  grpc::ClientContext context;
  SetUnaryDeadline(&context);
  v1::ImpactReport report;
  grpc::Status status = impact->GetImpactReport(&context, *request, &report);
  if (!status.ok()) return ReportRpcError(status);
  if (format == "json") {
    absl::StatusOr<std::string> json = ImpactReportJson(report);
    if (!json.ok()) {
      std::cerr << "error: " << json.status().message() << "\n";
      return kExitFailure;
    }
    return WriteOutput(absl::GetFlag(FLAGS_out), *json);
  }
  std::ostringstream csv;
  WriteImpactReportCsv(report, csv);
  return WriteOutput(absl::GetFlag(FLAGS_out), csv.str());
}

int UsageError() {
  std::cerr << "passerelle: " << kUsage << "\n";
  return kExitUsage;
}

std::unique_ptr<v1::MeshService::Stub> MeshStub() { return v1::MeshService::NewStub(NodeChannel()); }

std::string FormatVector(const v1::VersionVector& vector) {
  std::map<std::string, uint64_t> sorted(vector.sequences().begin(), vector.sequences().end());
  return absl::StrJoin(sorted, " ", absl::PairFormatter("="));
}

int MeshStatus() {
  grpc::ClientContext context;
  SetUnaryDeadline(&context);
  v1::MeshStatus status;
  grpc::Status rpc = MeshStub()->GetMeshStatus(&context, v1::GetMeshStatusRequest(), &status);
  if (!rpc.ok()) return ReportRpcError(rpc);
  std::cout << absl::StrFormat("node %s holds %s\n", status.partner_id(), FormatVector(status.vector()));
  // ready, or recovering its own changes from its peers (local writes refused meanwhile).
  std::cout << "own origin: " << (status.own_origin_state().empty() ? "-" : status.own_origin_state())
            << "\n";
  // not_relayed: the origins this node hears directly, which it asked the peer not to relay.
  std::cout << "peer\taddress\tconnected\tapplied\tduplicates\tlag_changes\tlag_s\trejected(sig/policy/gap)"
               "\tnot_relayed\tlast_error\n";
  for (const v1::PeerStatus& p : status.peers()) {
    const std::string not_relayed =
        p.skipped_origins().empty() ? "-" : absl::StrJoin(p.skipped_origins(), ",");
    std::cout << absl::StrFormat("%s\t%s\t%s\t%d\t%d\t%d\t%.1f\t%d/%d/%d\t%s\t%s\n", p.partner_id(),
                                 p.address(), p.connected() ? "yes" : "no", p.applied(), p.duplicates(),
                                 p.lag_changes(), p.lag_seconds(), p.rejected_signature(), p.rejected_policy(),
                                 p.rejected_gap(), not_relayed, p.last_error());
  }
  return kExitOk;
}

int MeshDigest() {
  grpc::ClientContext context;
  SetUnaryDeadline(&context);
  v1::DigestResponse digest;
  grpc::Status rpc = MeshStub()->Digest(&context, v1::DigestRequest(), &digest);
  if (!rpc.ok()) return ReportRpcError(rpc);
  std::cout << absl::StrFormat("node %s holds %s\n", digest.partner_id(), FormatVector(digest.vector()));
  for (const v1::KindDigest& kind : digest.kinds()) {
    std::cout << absl::StrFormat("%s\t%d records\t%s\n", kind.kind(), kind.records(),
                                 absl::BytesToHexString(kind.sha256()));
  }
  return kExitOk;
}

int VerifyAudit() {
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  if (dir.empty()) return UsageError();
  absl::StatusOr<store::AuditReport> report = store::VerifyAuditChain(dir);
  if (!report.ok()) {
    std::cerr << "error: " << report.status().message() << "\n";
    return kExitFailure;
  }
  if (report->first_broken) {
    std::cout << absl::StrFormat("BROKEN at entry %d: %s (%d entries verified before it)\n",
                                 *report->first_broken, report->problem, report->entries);
    return kExitFailure;
  }
  std::cout << absl::StrFormat("ok: %d entries, every link verified\n", report->entries);
  return kExitOk;
}

int Run(const std::vector<char*>& args) {
  // args[0] is the program; the rest are the words of the command.
  std::vector<std::string> words(args.begin() + 1, args.end());
  auto is = [&words](std::initializer_list<const char*> command, size_t operands) {
    if (words.size() != command.size() + operands) return false;
    return std::equal(command.begin(), command.end(), words.begin());
  };
  if (is({"structures", "import"}, 1)) return ImportStructures(words[2]);
  if (is({"structures", "get"}, 1)) return GetStructure(words[2]);
  if (is({"structures", "search"}, 0)) return SearchStructures();
  if (is({"structures", "list"}, 0)) return ListStructures();
  if (is({"demo", "structures"}, 0)) return WriteDemoStructures();
  if (is({"demo", "tenders"}, 0)) return CreateDemoTenders();
  if (is({"demo", "declarations"}, 0)) return CreateDemoDeclarations();
  if (is({"tenders", "digest"}, 0)) return WriteDigests();
  if (is({"tenders", "ocds"}, 0)) return WriteOcds();
  if (is({"impact", "report"}, 0)) return WriteImpactReport();
  if (is({"mesh", "status"}, 0)) return MeshStatus();
  if (is({"mesh", "digest"}, 0)) return MeshDigest();
  if (is({"audit", "verify"}, 0)) return VerifyAudit();
  return UsageError();
}

}  // namespace
}  // namespace passerelle::cli

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(passerelle::cli::kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  return passerelle::cli::Run(args);
}
