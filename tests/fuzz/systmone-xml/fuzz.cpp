// libFuzzer over SystmOne Client Integration replies: ClientIntegration::call over a transport that answers
// with the input (its seed ResponseUID replaced by the RequestUID sent, so replies get past the echo check),
// then every reader of connectors/systmone-xml/Replies.cpp on the Response. Nothing may throw; a refusal
// names the call; what a reader accepts is of the form the hub relies on.
#include "ClientIntegration.h"
#include "Replies.h"

#include "tests/fuzz/FuzzCheck.h"

#include <cstddef>
#include <cstdint>

namespace {

using namespace systmonexml;
using clinhub::fuzz::require;
using clinhub::fuzz::requireResult;

// The ResponseUID of connectors/systmone-xml/schemas/examples, which the seeds are.
constexpr std::string_view kSeedUid = "7f1c9a52-3d4e-4b8a-9c61-2f5e8d0a1b34";

class Replay : public Transport {
public:
    explicit Replay(std::string_view input) : input_(input) {}

    clinhub::Result exchange(const std::string& request, bool, std::string& reply) override {
        const auto from = request.find("<RequestUID>") + 12;
        const std::string uid = request.substr(from, request.find("</RequestUID>") - from);
        reply.assign(input_);
        for (auto at = reply.find(kSeedUid); at != std::string::npos; at = reply.find(kSeedUid, at + uid.size()))
            reply.replace(at, kSeedUid.size(), uid);
        return clinhub::Result::success();
    }

private:
    std::string_view input_;
};

void checkSlot(const clinhub::Slot& s) { require(!s.id.empty() && !s.slotType.empty() && s.durationMinutes > 0); }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const Config config;
    ClientIntegration client(config,
                             std::make_unique<Replay>(std::string_view(reinterpret_cast<const char*>(data), size)));
    Reply reply;
    const auto r = client.call("GetAppointmentSlots", "", reply);
    requireResult(r, "SystmOne GetAppointmentSlots");
    require(r.ok() == static_cast<bool>(reply.response));
    if (!r.ok()) return 0;

    std::vector<clinhub::Slot> slots;
    requireResult(readSlots(reply.response, config, slots), "SystmOne GetAppointmentSlots reply: ");
    for (const auto& s : slots)
        checkSlot(s);
    std::vector<AppointmentRecord> records;
    requireResult(readAppointments(reply.response, "GetPatientAppointments", config, records),
                  "SystmOne GetPatientAppointments reply: ");
    for (const auto& a : records)
        require(!a.appointment.slot.id.empty());
    std::optional<clinhub::Patient> patient;
    requireResult(readPatient(reply.response, "9995260182", "2026-11-24", patient), "SystmOne PatientSearch reply: ");
    if (patient) require(patient->nhsNumber == "9995260182" && patient->dateOfBirth <= "2026-11-24");
    return 0;
}
