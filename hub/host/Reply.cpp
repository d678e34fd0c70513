#include "hub/host/Reply.h"

namespace clinhub::host {
namespace {

Reply& self(void* ctx) { return *static_cast<Reply*>(ctx); }
std::string str(const char* s) { return s != nullptr ? s : ""; }

} // namespace

Reply::Reply() {
    reply_.struct_size = sizeof(reply_);
    reply_.ctx = this;
    reply_.message = [](void* ctx, const char* text) {
        auto& m = self(ctx).message;
        if (!m.empty()) m += "; ";
        m += str(text);
    };
    reply_.config_error = [](void* ctx, const char* pointer, const char* text) {
        self(ctx).configErrors.push_back({str(pointer), str(text)});
    };
    reply_.text = [](void* ctx, const char* value) { self(ctx).texts.push_back(str(value)); };
    reply_.slot = [](void* ctx, const clinhub_slot* slot) { self(ctx).slots.push_back(sdk::fromC(*slot)); };
    reply_.appointment = [](void* ctx, const clinhub_appointment* a) {
        self(ctx).appointments.push_back({str(a->id), sdk::fromC(a->slot)});
    };
    reply_.patient = [](void* ctx, const clinhub_patient* p) { self(ctx).patients.push_back(sdk::fromC(*p)); };
    reply_.immunisation = [](void* ctx, const clinhub_immunisation* r) {
        self(ctx).immunisations.push_back(
            {str(r->target), str(r->vaccine_code), str(r->vaccine_display), str(r->occurred_on), r->dose_number});
    };
    reply_.delivery = [](void* ctx, clinhub_delivery_state state, const char* providerId) {
        self(ctx).delivery = Delivery{static_cast<DeliveryState>(state), str(providerId)};
    };
    reply_.receipt = [](void* ctx, const char* reference, clinhub_delivery_state state, const char* providerId,
                        const char* detail) {
        self(ctx).receipts.push_back({str(reference), static_cast<DeliveryState>(state), str(providerId), str(detail)});
    };
    reply_.not_sent = [](void* ctx) { self(ctx).notSent = true; };
    reply_.channel_receipt = [](void* ctx, const char* reference, clinhub_channel channel, clinhub_delivery_state state,
                                const char* detail) {
        self(ctx).receipts.push_back(
            {str(reference), static_cast<DeliveryState>(state), {}, str(detail), static_cast<PatientChannel>(channel)});
    };
}

Result Reply::result(clinhub_status status) const {
    switch (status) {
    case CLINHUB_OK: return {Status::ok, message};
    case CLINHUB_CONFLICT: return Result::conflict(message.empty() ? "conflict" : message);
    case CLINHUB_RETRYABLE: {
        Result r = Result::retryable(message.empty() ? "temporary failure" : message);
        r.notSent = notSent;
        return r;
    }
    case CLINHUB_PERMANENT: return Result::permanent(message.empty() ? "failed" : message);
    }
    return Result::permanent("plugin returned an unknown status " + std::to_string(static_cast<int>(status)));
}

} // namespace clinhub::host
