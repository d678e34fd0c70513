// How a Client Integration request reaches the unit: the local client's TCP port, or its HTTP variant.
#pragma once

#include <clinhub/plugin.hpp>

#include <string>

namespace systmonexml {

class Transport {
public:
    virtual ~Transport() = default;
    // Sends one request and returns the text of its reply. Retryable for a timeout or a connection refused,
    // dropped or closed without a reply (the request may or may not have been acted on); permanent when
    // retrying cannot help. A request that changes the record is sent at most once, whatever happens.
    virtual clinhub::Result exchange(const std::string& request, bool changesRecord, std::string& reply) = 0;
    // Closes kept connections: called when a reply did not belong to its request, so nothing stale is
    // read again.
    virtual void discardIdle() {}
};

} // namespace systmonexml
