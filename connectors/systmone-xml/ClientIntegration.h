// One Client Integration call: wraps FunctionParameters in a ClientIntegrationRequest with a fresh GUID
// RequestUID, sends it, and reads the ClientIntegrationResponse: refusing DOCTYPEs and malformed XML,
// checking that ResponseUID echoes the RequestUID, and turning an ErrorMessage into a typed result.
#pragma once

#include "Config.h"
#include "Transport.h"

#include <clinhub/plugin.hpp>

#include <pugixml.hpp>

#include <memory>
#include <mutex>
#include <random>
#include <string>

namespace systmonexml {

// The ErrorMessages whose meaning the connector acts on; `other` for the rest.
enum class RemoteError {
    none,
    slotTaken,
    slotPast,
    appointmentCancelled,
    patientNotFound,
    appointmentNotFound,
    slotNotFound,
    busy,
    resent,  // the unit had the RequestUID already: something sent the request twice
    refused, // the API key or DeviceID
    other
};

struct Reply {
    pugi::xml_document doc;
    pugi::xml_node response; // the Response element, when the call succeeded
    RemoteError error = RemoteError::none;
};

class ClientIntegration {
public:
    ClientIntegration(const Config& config, std::unique_ptr<Transport> transport);

    // `parameters` is the XML inside FunctionParameters. Ok with reply.response set; otherwise the result
    // says what happened ("SystmOne <function>: ...") and reply.error which ErrorMessage, if any, came back.
    clinhub::Result call(const std::string& function, const std::string& parameters, Reply& reply);

private:
    std::string newUid();

    std::string apiKey_;
    std::string deviceId_;
    std::string deviceVersion_;
    std::unique_ptr<Transport> transport_;
    std::mutex randomMutex_;
    std::mt19937_64 random_;
};

} // namespace systmonexml
