#include "tender_svc/lifecycle.h"

#include "absl/strings/str_cat.h"

namespace passerelle::tender {
namespace {

const char* ActionLabel(v1::TenderAction action) {
  switch (action) {
    case v1::TENDER_ACTION_CREATED:
      return "create";
    case v1::TENDER_ACTION_UPDATED:
      return "update";
    case v1::TENDER_ACTION_PUBLISHED:
      return "publish";
    case v1::TENDER_ACTION_CLOSED:
      return "close";
    case v1::TENDER_ACTION_CANCELLED:
      return "cancel";
    case v1::TENDER_ACTION_LOT_AWARDED:
      return "award a lot of";
    default:
      return "change";
  }
}

}  // namespace

const char* StatusLabel(v1::TenderStatus status) {
  switch (status) {
    case v1::TENDER_STATUS_FORECAST:
      return "forecast";
    case v1::TENDER_STATUS_PUBLISHED:
      return "published";
    case v1::TENDER_STATUS_CLOSED:
      return "closed";
    case v1::TENDER_STATUS_AWARDED:
      return "awarded";
    case v1::TENDER_STATUS_CANCELLED:
      return "cancelled";
    default:
      return "new";
  }
}

absl::StatusOr<v1::TenderStatus> Transition(v1::TenderStatus from, v1::TenderAction action) {
  using S = v1::TenderStatus;
  S to = v1::TENDER_STATUS_UNSPECIFIED;
  switch (action) {
    case v1::TENDER_ACTION_CREATED:
      if (from == v1::TENDER_STATUS_UNSPECIFIED) to = v1::TENDER_STATUS_FORECAST;
      break;
    case v1::TENDER_ACTION_UPDATED:
      if (from == v1::TENDER_STATUS_FORECAST || from == v1::TENDER_STATUS_PUBLISHED) to = from;
      break;
    case v1::TENDER_ACTION_PUBLISHED:
      if (from == v1::TENDER_STATUS_FORECAST) to = v1::TENDER_STATUS_PUBLISHED;
      break;
    case v1::TENDER_ACTION_CLOSED:
      if (from == v1::TENDER_STATUS_PUBLISHED) to = v1::TENDER_STATUS_CLOSED;
      break;
    case v1::TENDER_ACTION_CANCELLED:
      if (from == v1::TENDER_STATUS_FORECAST || from == v1::TENDER_STATUS_PUBLISHED) {
        to = v1::TENDER_STATUS_CANCELLED;
      }
      break;
    case v1::TENDER_ACTION_LOT_AWARDED:
      if (from == v1::TENDER_STATUS_CLOSED) to = v1::TENDER_STATUS_CLOSED;
      break;
    default:
      break;
  }
  if (to == v1::TENDER_STATUS_UNSPECIFIED) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot ", ActionLabel(action), " a notice that is ", StatusLabel(from)));
  }
  return static_cast<S>(to);
}

v1::TenderStatus AwardedWhenComplete(const v1::Tender& t) {
  if (t.status() != v1::TENDER_STATUS_CLOSED || t.lots().empty()) return t.status();
  for (const v1::Lot& lot : t.lots()) {
    if (!lot.has_award()) return t.status();
  }
  return v1::TENDER_STATUS_AWARDED;
}

}  // namespace passerelle::tender
