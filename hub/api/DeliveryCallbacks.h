// Delivery receipts: a provider POSTs what became of each message to /callbacks/{connector}, where
// {connector} is the connector's name in the YAML. The connector's plugin checks the request is the
// provider's own (its bearer token, a signature) and reads it; the outbox records each message's fate, but
// only for messages that connector was given: a provider vouches for its own messages, never for another
// provider's or for those of a practice that does not route through it. Those count as unknown.
//
// Answers 200 {"recorded", "unknown"} when read, 403 when the plugin does not accept the request, 404
// for a connector that does not exist or takes no receipts, 503 when the plugin asks for a retry.
// Providers retry what is not 2xx, and recording twice is harmless.
#pragma once

#include "hub/http/Router.h"
#include "hub/outbox/Dispatcher.h"
#include "hub/outbox/Outbox.h"

namespace clinhub::api {

inline const std::string kDeliveryCallbackRoute = "/callbacks/{connector}";

// The outbox and routes must outlive the router.
void addDeliveryCallbacks(http::Router& router, outbox::Outbox& outbox, outbox::Routes& routes);

} // namespace clinhub::api
