#include "hub/config/PluginCatalog.h"

namespace clinhub::config {

const char* toString(Kind kind) {
    // The names plugin authors and sysadmins see: the same words as the ABI's kinds.
    switch (kind) {
    case Kind::appointmentBook: return "appointment-book";
    case Kind::immunisationRecords: return "immunisation-records";
    case Kind::sms: return "sms";
    case Kind::email: return "email";
    }
    return "unknown";
}

} // namespace clinhub::config
