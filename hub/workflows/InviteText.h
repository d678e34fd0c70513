// The invite SMS staff choose for one send (a link, a batch, an invite round, community invitations),
// checked as it will go out: one check for the API and for the staff pages' preview, so what a page shows
// before sending is what the send accepts.
#pragma once

#include "hub/config/Config.h"
#include "hub/runtime/Runtime.h"
#include "hub/workflows/SelfBook.h"

#include <optional>
#include <string>
#include <vector>

namespace clinhub::workflows {

struct InviteText {
    std::string text;               // as checked: what will be sent
    std::string example;            // as a patient would get it: a sample name and a link as long as a real one
    int characters = 0;             // of example, in the encoding it goes in
    int fragments = 0;              // of example; 0 when the text is not a template at all
    std::vector<FieldError> errors; // for the field "message": each problem, and where in the text it is
};

// `text` is checked against the invite's placeholders ({{practice}} {{title}} {{name}} {{url}}; {{url}}
// required) and measured against the organisation's routed SMS connectors; the example has `patientName`
// when there is one patient, a usual name otherwise. Throws NotFound for an organisation the config does
// not have.
InviteText checkInviteText(const runtime::Runtime& runtime, const std::string& organisation, const config::Rule& rule,
                           const std::string& text, const std::optional<std::string>& patientName = std::nullopt);

} // namespace clinhub::workflows
