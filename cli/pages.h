#ifndef PASSERELLE_CLI_PAGES_H_
#define PASSERELLE_CLI_PAGES_H_

// Reading a listing RPC to its end: every command that walks a listing pages the same way.

#include <utility>
#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace passerelle::cli {

// Calls `list` on `stub` with `request`, then again with each next_page_token until the node
// returns none, handing every page to `take` (grpc::Status(Response&)). Stops at the first failed
// call or failing `take` and returns its status.
template <typename Stub, typename Request, typename Response, typename Take>
grpc::Status ForEachPage(Stub& stub,
                         grpc::Status (Stub::*list)(grpc::ClientContext*, const Request&,
                                                    Response*),
                         Request request, Take take) {
  do {
    grpc::ClientContext context;
    Response page;
    if (grpc::Status s = (stub.*list)(&context, request, &page); !s.ok()) return s;
    if (grpc::Status s = take(page); !s.ok()) return s;
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

// Every item of a listing, page after page: the `items` of each page (e.g.
// &v1::ListTendersResponse::mutable_tenders) moved to the end of `out`.
template <typename Stub, typename Request, typename Response, typename Item>
grpc::Status CollectPages(
    Stub& stub, grpc::Status (Stub::*list)(grpc::ClientContext*, const Request&, Response*),
    Request request, google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
    std::vector<Item>* out) {
  return ForEachPage(stub, list, std::move(request), [&](Response& page) {
    for (Item& item : *(page.*items)()) out->push_back(std::move(item));
    return grpc::Status::OK;
  });
}

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_PAGES_H_
