#include "hub/config/PluginCatalog.h"

namespace clinhub::config {

const char* toString(Kind kind) {
    // The names plugin authors and sysadmins see: the same words as the ABI's kinds.
    switch (kind) {
    case Kind::appointmentBook: return "appointment-book";
    case Kind::immunisationRecords: return "immunisation-records";
    case Kind::sms: return "sms";
    case Kind::email: return "email";
    case Kind::patientMessaging: return "patient-messaging";
    }
    return "unknown";
}

int smsMaxCharacters(const PluginInfo& plugin, const std::string& configJson) {
    // Any positive limit is honoured, even one under the 160 the ABI asks for: sending less is safe.
    const int declared = plugin.maxCharacters ? plugin.maxCharacters(configJson) : 0;
    return declared > 0 ? declared : CLINHUB_SMS_DEFAULT_MAX_CHARACTERS;
}

} // namespace clinhub::config
