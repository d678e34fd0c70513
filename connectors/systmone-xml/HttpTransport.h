// The HTTP variant: GET <base_url>?requestString=<url-encoded request>; the body is the reply.
#pragma once

#include "Transport.h"

#include <clinhub/kit/HttpClient.hpp>

namespace systmonexml {

class HttpTransport final : public Transport {
public:
    HttpTransport(const std::string& baseUrl, clinhub::kit::HttpTimeouts timeouts);
    clinhub::Result exchange(const std::string& request, bool changesRecord, std::string& reply) override;

private:
    std::string prefix_; // base_url with the query's start
    clinhub::kit::HttpClient http_;
};

} // namespace systmonexml
