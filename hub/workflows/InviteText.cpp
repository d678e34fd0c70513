#include "hub/workflows/InviteText.h"

#include "hub/domain/MessageTemplate.h"
#include "hub/domain/SmsLength.h"

namespace clinhub::workflows {

InviteText checkInviteText(const runtime::Runtime& runtime, const std::string& organisation, const config::Rule& rule,
                           const std::string& text, const std::optional<std::string>& patientName) {
    const auto& config = runtime.config();
    const auto org = config.organisations.find(organisation);
    if (org == config.organisations.end()) throw NotFound("no such organisation");
    InviteText out;
    out.text = text;
    try {
        const auto parsed = domain::scanTemplate(text, domain::kInvitePlaceholders);
        out.example = domain::renderSample(parsed, org->second.name, rule.title, config.http.publicUrl, patientName);
        const auto length = domain::smsLength(out.example);
        out.characters = length.characters;
        out.fragments = length.fragments;
        const int limit = runtime.smsMaxCharacters(organisation);
        if (!parsed.uses("url"))
            out.errors.push_back({"message", "the message must include {{url}}, where each patient's link goes"});
        else if (length.characters > limit)
            out.errors.push_back({"message", "the message is " + std::to_string(length.characters) +
                                                 " characters with its link; the most this organisation's SMS "
                                                 "connectors can carry is " +
                                                 std::to_string(limit)});
    } catch (const domain::TemplateError& e) {
        out.errors.push_back({"message", e.what()});
    }
    return out;
}

} // namespace clinhub::workflows
