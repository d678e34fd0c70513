#include "hub/workflows/Messages.h"

#include <clinhub/kit/UkTime.hpp>

namespace clinhub::workflows::messages {

namespace {

std::string templateOf(const std::map<std::string, std::string>& templates, const std::string& name,
                       const char* fallback) {
    auto it = templates.find(name);
    return it != templates.end() ? it->second : fallback;
}

// How a parent's email names a child whose name the list did not give.
std::string childCalled(const std::string& name) { return name.empty() ? "your child" : name; }

} // namespace

std::string inviteSms(const config::Rule& rule) {
    return templateOf(rule.templates, "invite_sms",
                      "{{practice}}: please book your {{title}} appointment here: {{url}}");
}

std::string confirmationSms(const config::Rule& rule) {
    if (rule.mode == config::AppointmentMode::telephone)
        return templateOf(rule.templates, "confirmation_sms",
                          "{{practice}}: your {{title}} telephone appointment is booked. We will call you {{when}}. "
                          "To view or change it: {{url}}");
    return templateOf(rule.templates, "confirmation_sms",
                      "{{practice}}: your {{title}} appointment is booked for {{when}}. To view or change it: {{url}}");
}

std::string cancellationSms(const config::Rule& rule) {
    return templateOf(rule.templates, "cancellation_sms",
                      "{{practice}}: your {{title}} appointment on {{when}} has been cancelled. If you still need one, "
                      "contact us.");
}

std::string reminderSms(const config::Rule& rule) {
    return templateOf(rule.templates, "reminder_sms",
                      "{{practice}}: a reminder of your {{title}} appointment on {{when}}. To view, change or cancel "
                      "it: {{url}}");
}

std::string communityClinicSms(const config::Campaign& campaign, bool reminder) {
    return reminder ? templateOf(campaign.community, "reminder_sms",
                                 "{{practice}}: a reminder to book {{name}}'s {{title}} at a community clinic: {{url}}")
                    : templateOf(campaign.community, "invite_sms",
                                 "{{practice}}: {{name}} can have their {{title}} at a community clinic. Book a "
                                 "time here: {{url}}");
}

outbox::EmailPayload clinicianMoved(const std::string& practiceEmail, const ClinicianMove& move) {
    const std::string when = kit::ukWhenText(move.start);
    const std::string text = move.toClinician + ": a patient has moved their " + move.title + " appointment to you, " +
                             when + (move.location.empty() ? "" : " at " + move.location) + " (it was with " +
                             (move.fromClinician.empty() ? "another clinician" : move.fromClinician) +
                             "). Appointment " + move.appointmentId + " in the appointment book.";
    return {practiceEmail, "Appointment moved to " + move.toClinician + ", " + when, text, {}};
}

outbox::EmailPayload communityClinicEmail(const std::string& to, const std::string& childName, const std::string& title,
                                          const std::string& practice, const std::string& url, bool reminder) {
    const std::string name = childCalled(childName);
    return {to,
            (reminder ? "Reminder: book " : "Book ") + name + "'s " + title,
            "Dear parent or guardian,\n\n" + name + " can have their " + title + " at a community clinic run by " +
                practice + ". " + (reminder ? "You have not booked yet. " : "") +
                "Book a time here (you will need their date of birth):\n\n" + url + "\n\n" + practice + "\n",
            {}};
}

outbox::EmailPayload consentRequest(const std::string& to, const std::string& childName, const std::string& title,
                                    const std::string& practice) {
    const std::string name = childCalled(childName);
    return {to,
            "Consent for " + name + "'s " + title,
            "Dear parent or guardian,\n\nYou have booked " + name + "'s " + title +
                " at a community clinic, and we do not yet have your consent. Please reply to this email or call " +
                practice + " to give or refuse consent.\n\n" + practice + "\n",
            {}};
}

outbox::EmailPayload staffInvitation(const std::string& to, const StaffInvitation& invitation) {
    const std::string until = kit::ukWhenText(invitation.expiresAt / 1'000'000);
    const std::string what = invitation.reset ? "set a new password for" : "set a password and start using";
    return {to,
            invitation.reset ? "Set a new password for " + invitation.organisation + "'s clinhub"
                             : invitation.invitedBy + " invited you to " + invitation.organisation + "'s clinhub",
            "Hello,\n\n" + invitation.invitedBy + " at " + invitation.organisation + " has asked for you to " + what +
                " clinhub, the practice's booking hub. Choose your password here:\n\n" + invitation.url +
                "\n\nThe link works once, until " + until +
                " (UK time). If it has run out, ask an admin at the practice for a new one.\n\n"
                "If you were not expecting this email, do not use the link: tell " +
                invitation.organisation +
                " or your IT support. Nobody from the practice will ever ask you for your password.\n",
            {}};
}

} // namespace clinhub::workflows::messages
