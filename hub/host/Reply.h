// Collects what a plugin says through a clinhub_reply during one call.
#pragma once

#include <clinhub/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace clinhub::host {

class Reply {
public:
    Reply();
    Reply(const Reply&) = delete;
    Reply& operator=(const Reply&) = delete;

    [[nodiscard]] const clinhub_reply* c() const { return &reply_; }
    // Turns the status and the collected message into a Result; an unknown status is a plugin bug.
    [[nodiscard]] Result result(clinhub_status status) const;

    std::string message;
    std::vector<ConfigError> configErrors;
    std::vector<std::string> texts;
    std::vector<Slot> slots;
    std::vector<Appointment> appointments;
    std::vector<Patient> patients;
    std::vector<Immunisation> immunisations;
    std::optional<Delivery> delivery;
    std::vector<Receipt> receipts; // the message's, and (Receipt::channel set) each channel's
    bool notSent = false;          // the plugin said the send never reached the provider

private:
    clinhub_reply reply_{};
};

} // namespace clinhub::host
