#ifndef PASSERELLE_TESTS_IMPACT_SAMPLE_DECLARATIONS_H_
#define PASSERELLE_TESTS_IMPACT_SAMPLE_DECLARATIONS_H_

// Valid sample hour declarations for the impact tests.

#include <fstream>
#include <string>
#include <vector>

#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/impact.pb.h"

namespace passerelle::testing {

// A node of SOLIDEO's with the event's worker secret (written into `secret_dir`) and the
// programme's two targets: 10 % of hours (on track from 8 %), 25 % of amounts (from 20 %).
inline v1::NodeConfig ImpactNodeConfig(const std::string& secret_dir) {
  const std::string secret = secret_dir + "/impact-secret";
  std::ofstream(secret) << "0123456789abcdef0123456789abcdef0123456789abcdef\n";
  v1::NodeConfig config;
  config.set_partner_id("solideo");
  config.mutable_impact()->set_worker_secret_file(secret);
  config.mutable_impact()->mutable_hours_target()->set_target_basis_points(1000);
  config.mutable_impact()->mutable_hours_target()->set_on_track_basis_points(800);
  config.mutable_impact()->mutable_amount_target()->set_target_basis_points(2500);
  config.mutable_impact()->mutable_amount_target()->set_on_track_basis_points(2000);
  return config;
}

// `siret`'s declaration on lot `lot` of tenders/`tender` (bought by buyers/`buyer`) for `period`:
// `total` hundredths worked, of which 7 hours per worker reference in `workers` in insertion, all
// by direct hire, workers alternately young low-qualified and long-term job seekers; every
// breakdown adds up.
inline v1::HourDeclaration SampleDeclaration(const std::string& siret, const std::string& tender,
                                             const std::string& buyer, int lot,
                                             const std::string& period, int64_t total,
                                             const std::vector<std::string>& workers) {
  constexpr int64_t kEach = 700;
  v1::HourDeclaration d;
  d.set_contractor_siret(siret);
  d.set_buyer("buyers/" + buyer);
  d.set_tender("tenders/" + tender);
  d.set_lot_number(lot);
  d.set_period(period);
  d.set_total_hundredths(total);
  d.set_insertion_hundredths(kEach * static_cast<int64_t>(workers.size()));
  int64_t by_category[2] = {0, 0};
  const v1::EligibilityCategory categories[2] = {v1::ELIGIBILITY_CATEGORY_YOUNG_LOW_QUALIFIED,
                                                 v1::ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER};
  for (size_t i = 0; i < workers.size(); ++i) {
    v1::WorkerLine* w = d.add_workers();
    w->set_worker_reference(workers[i]);
    w->set_category(categories[i % 2]);
    w->set_channel(v1::INSERTION_CHANNEL_DIRECT_HIRE);
    w->set_hundredths(kEach);
    by_category[i % 2] += kEach;
  }
  if (workers.empty()) return d;
  v1::ChannelHours* c = d.add_by_channel();
  c->set_channel(v1::INSERTION_CHANNEL_DIRECT_HIRE);
  c->set_hundredths(d.insertion_hundredths());
  for (int i = 0; i < 2; ++i) {
    if (by_category[i] == 0) continue;
    v1::CategoryHours* h = d.add_by_category();
    h->set_category(categories[i]);
    h->set_hundredths(by_category[i]);
  }
  return d;
}

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_IMPACT_SAMPLE_DECLARATIONS_H_
