#include "ClientIntegration.h"

#include <clinhub/kit/SafeXml.hpp>
#include <clinhub/kit/Scrub.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace systmonexml {

using clinhub::Result;
using clinhub::kit::child;
using clinhub::kit::childText;
using clinhub::kit::scrub;
using clinhub::kit::xmlEscape;

namespace {

struct Known {
    const char* prefix; // lower case
    RemoteError error;
    clinhub::Status status;
    const char* hint;
};

// TPP's texts for the outcomes the hub must tell apart; anything else is permanent and quoted.
constexpr Known kKnown[] = {
    {"slot is already booked", RemoteError::slotTaken, clinhub::Status::conflict, ""},
    {"slot is in the past", RemoteError::slotPast, clinhub::Status::conflict, ""},
    {"appointment is cancelled", RemoteError::appointmentCancelled, clinhub::Status::conflict, ""},
    {"patient not found", RemoteError::patientNotFound, clinhub::Status::permanent, ""},
    {"appointment not found", RemoteError::appointmentNotFound, clinhub::Status::permanent, ""},
    {"slot not found", RemoteError::slotNotFound, clinhub::Status::permanent, ""},
    {"service unavailable", RemoteError::busy, clinhub::Status::retryable, ""},
    // A copy of the request reached the unit before this one, and what became of it is unknown.
    {"duplicate requestuid", RemoteError::resent, clinhub::Status::retryable, ""},
    {"invalid api key", RemoteError::refused, clinhub::Status::permanent, " (check api_key)"},
    {"unknown deviceid", RemoteError::refused, clinhub::Status::permanent, " (check device_id)"},
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

const char* localName(const char* name) {
    const char* colon = std::strrchr(name, ':');
    return colon == nullptr ? name : colon + 1;
}

} // namespace

ClientIntegration::ClientIntegration(const Config& config, std::unique_ptr<Transport> transport)
    : apiKey_(config.apiKey), deviceId_(config.deviceId), deviceVersion_(config.deviceVersion),
      transport_(std::move(transport)), random_(std::random_device{}()) {}

std::string ClientIntegration::newUid() {
    uint64_t hi = 0, lo = 0;
    {
        std::lock_guard lock(randomMutex_);
        hi = random_();
        lo = random_();
    }
    hi = (hi & ~0xF000ULL) | 0x4000ULL;                        // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL; // RFC 4122 variant
    char text[40];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return text;
}

Result ClientIntegration::call(const std::string& function, const std::string& parameters, Reply& reply) {
    const std::string what = "SystmOne " + function;
    const std::string uid = newUid();
    const std::string request = "<ClientIntegrationRequest><APIKey>" + xmlEscape(apiKey_) + "</APIKey><DeviceID>" +
                                xmlEscape(deviceId_) + "</DeviceID><DeviceVersion>" + xmlEscape(deviceVersion_) +
                                "</DeviceVersion><RequestUID>" + uid + "</RequestUID><Function>" + function +
                                "</Function><FunctionVersion>1.0</FunctionVersion><FunctionParameters>" + parameters +
                                "</FunctionParameters></ClientIntegrationRequest>";
    std::string text;
    if (Result r = transport_->exchange(request, function == "UpdatePatientRecord", text); !r.ok())
        return {r.status, what + ": " + r.message};
    if (Result r = clinhub::kit::parseXml(text, reply.doc, what + " reply", true); !r.ok()) return r;

    const pugi::xml_node root = reply.doc.document_element();
    if (std::strcmp(localName(root.name()), "ClientIntegrationResponse") != 0)
        return Result::permanent(what + " reply is a <" + std::string(root.name()) +
                                 ">, not a <ClientIntegrationResponse>");
    const std::string responseUid = childText(root, "ResponseUID");
    const pugi::xml_node error = child(root, "ErrorMessage");
    if (responseUid != uid) {
        if (responseUid.empty() && error) // the unit could not read our envelope at all
            return Result::permanent(what + ": the unit refused the request: '" +
                                     scrub(childText(root, "ErrorMessage")) + "'");
        // A reply to some other request: whatever became of ours is unknown, and the connection is suspect.
        transport_->discardIdle();
        return Result::retryable(what + " reply has ResponseUID '" + responseUid.substr(0, 64) +
                                 "', not the RequestUID sent ('" + uid + "')");
    }
    if (error) {
        const std::string text = childText(root, "ErrorMessage");
        const std::string key = lower(text);
        // TPP's texts quote the patient's details back ("Patient 999 526 0182 not found"): scrubbed for messages.
        const std::string message = scrub(text);
        for (const auto& k : kKnown)
            if (key.rfind(k.prefix, 0) == 0) {
                reply.error = k.error;
                return {k.status, what + ": '" + message + "'" + k.hint};
            }
        reply.error = RemoteError::other;
        return Result::permanent(what + ": '" + message + "'");
    }
    reply.response = child(root, "Response");
    if (!reply.response) return Result::permanent(what + " reply has neither a Response nor an ErrorMessage");
    return Result::success();
}

} // namespace systmonexml
