#ifndef PASSERELLE_GATEWAY_OPENAPI_H_
#define PASSERELLE_GATEWAY_OPENAPI_H_

// The OpenAPI 3.0 document of a route table, generated from the descriptors once at start-up: every
// route with its path and query parameters, request body (JSON, or NDJSON for client streaming) and
// response (JSON, or text/event-stream for server streaming), and a schema per message reachable
// from them.

#include <string>

#include "gateway/route_table.h"

namespace passerelle::gateway {

std::string OpenApiDocument(const RouteTable& routes, const std::string& title);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_OPENAPI_H_
