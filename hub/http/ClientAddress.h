// Who a client is, for the limits kept per client.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <string>
#include <string_view>
#include <vector>

namespace clinhub::http {

// The key a client's limits are kept under: its IPv4 address (an IPv4-mapped IPv6 one too), or its IPv6
// /64, since one client is given a whole /64 and could otherwise take a new address per request.
std::string clientKey(const Poco::Net::IPAddress& address);

// The address a request came from: the peer's, or when the peer is a trusted proxy, the last address in
// X-Forwarded-For that is not itself a trusted proxy (the earlier ones are the client's to forge). A
// malformed entry ends the walk at the last address trusted so far.
Poco::Net::IPAddress requestClient(const Poco::Net::IPAddress& peer, std::string_view forwardedFor,
                                   const std::vector<Poco::Net::IPAddress>& trustedProxies);

} // namespace clinhub::http
