// The routing config as the hub uses it, once loaded and checked.
#pragma once

#include "hub/domain/QuietHours.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::config {

// Where something came from in a YAML file, 1-based, for messages of the form FILE:LINE:COL.
struct Mark {
    std::string file;
    int line = 0;
    int column = 0;
};

struct Code {
    std::string code; // SNOMED CT concept id
    std::string term; // its human term, shown to staff before anything is written
};

// What one link lets a patient book (iaptus's "broadcast rule").
// A telephone rule's window of the day in which the practice calls: minutes since UK midnight, [from, to).
struct CallWindow {
    std::string label; // "morning"
    int from = 0;
    int to = 0;
};

enum class AppointmentMode { faceToFace, telephone };

// A telephone rule's windows when the YAML names none: morning and afternoon of a GP's core hours.
inline std::vector<CallWindow> defaultCallWindows() {
    return {{"morning", 8 * 60, 12 * 60}, {"afternoon", 12 * 60, 18 * 60 + 30}};
}

struct Rule {
    std::string id;
    std::string title;
    std::vector<std::string> slotTypes;
    std::vector<Mark> slotTypeMarks; // where each slot type is written, for what probing the book finds
    int horizonDays = 42;
    int linkExpiryDays = 7;
    bool allowDecline = false;
    bool allowReschedule = false;
    bool allowCancel = false; // the patient may cancel from the manage link (cancellation_sms confirms it)
    AppointmentMode mode = AppointmentMode::faceToFace;
    int minNoticeHours = 0;                       // telephone: besides never the same day
    std::vector<CallWindow> windows;              // telephone: the defaults below unless the YAML names its own
    std::optional<Code> inviteCode;               // written once the invite is sent
    std::optional<Code> bookedCode;               // written when the patient books
    std::optional<Code> declineCode;              // written when the patient declines
    std::map<std::string, std::string> templates; // invite_sms, confirmation_sms, ...
    std::map<std::string, std::string> pages;     // welcome, confirmation, ...
    // How its messages to patients travel, in order: "nhs_app", "sms" (the organisation's unless it says).
    std::vector<std::string> channels;
    // Appointment reminders (reminder_sms), each this many minutes before a booked appointment; largest first.
    std::vector<int> reminderMinutes;
};

// A vaccination programme an organisation invites a cohort to: what the national records are asked
// about, how many doses make a course, and when each invite is due. Rules: docs/domain.md
// (Vaccination: second-dose invites; community clinics).
struct Campaign {
    std::string id;
    std::string rule;             // the booking rule whose pages, messages, link expiry and codes its invites use
    std::string target;           // immunisation records target: COVID, FLU, HPV, MMR, RSV, ...
    int doses = 1;                // a course; 2 for a first and second dose
    int secondDoseDueDays = 56;   // a 2nd-dose invite is due from this day after dose 1: the 9th week
    int inviteLeadDays = 21;      // no invite more than this many days before the clinics it offers
    int communityInviteDays = 21; // home-schooled and unknown-school children invited this many days before
                                  // the first community clinic; 0 switches automatic invitations off
    std::map<std::string, std::string> community; // invite_sms, reminder_sms: the community clinics' SMS
};

// Which connector serves each need of an organisation. Empty means not routed.
struct Route {
    std::string appointmentBook;
    std::vector<std::string> sms; // failover order
    std::string email;
    std::string immunisations;
    std::string nhsApp; // a patient-messaging connector: messages to patients by NHS number, through the NHS App
};

struct Organisation {
    std::string ods;
    std::string name;
    std::string notifyEmail; // where clinician notifications go; empty for none
    // A batch list's columns: "nhs_number_only" (the rest from the appointment book) or "with_contacts".
    std::string batchCsv = "with_contacts";
    int retentionDays = 90; // patient details are forgotten this long after they are finished with
    Route route;
    std::vector<std::string> channels = {"sms"}; // as Rule::channels, for rules that do not say
    int readWaitHours = 24;        // an NHS App message unread this long goes by SMS (when the hub runs the cascade)
    domain::QuietHours quietHours; // when no SMS or NHS App message is sent
    std::map<std::string, Rule> rules;
    std::map<std::string, Campaign> campaigns;
};

// A named instance of a plugin with its own section.
struct Connector {
    std::string name;
    std::string plugin;
    std::string configJson; // the section as JSON, after ${VAR} substitution and schema validation
    int ratePerMinute = 0;  // 0: no limit; else the most calls a minute, across all outbox workers
    // An SMS connector's longest message in characters (what its plugin declares for this section, or the
    // ABI's default); 0 for a connector that sends no SMS.
    int smsMaxCharacters = 0;
    // A patient-messaging connector whose plugin says, for this section, that it falls back to SMS itself.
    bool cascades = false;
    Mark mark;
};

struct Http {
    std::string listen = "127.0.0.1:8080";
    std::string adminListen; // empty: the staff API and /metrics share listen
    // Reverse proxies in front of the hub, by IP address: a request from one of them is taken to come from
    // the address its X-Forwarded-For names, and they are exempt from the per-client connection cap.
    std::vector<std::string> trustedProxies;
    // Per client address (see hub/http/ClientLimit.h): dates of birth checked and bookings made, an hour.
    int dateOfBirthChecksPerHour = 300;
    int bookingsPerHour = 100;
    // A laptop demo over plain http: the session cookie is not marked Secure, which browsers would refuse.
    bool localDemo = false;
    int retentionIntervalSeconds = 3600; // how often the retention job runs (workflows::Retention)
    int reminderIntervalSeconds = 60;    // how often the reminder job runs (workflows::Reminders)
    std::string publicUrl = "http://127.0.0.1:8080";
    // Where staff reach the staff pages (set-password links start with it); "" when not set.
    std::string staffUrl;
    // staffUrl, or publicUrl when everything is served on listen; "" when the staff pages are on
    // admin_listen and staff_url does not say how staff reach them: public_url would not serve them.
    // Without a trailing "/", so a path can follow it.
    [[nodiscard]] std::string staffPagesUrl() const {
        std::string url = !staffUrl.empty() ? staffUrl : adminListen.empty() ? publicUrl : std::string();
        while (url.ends_with('/'))
            url.pop_back();
        return url;
    }
    int threads = 16;
    int maxQueued = 256;
    int maxUploadMegabytes = 20; // a batch's CSV list of patients
    // What a slow or greedy client may hold (hub/http/FrontDoor.h says how each is enforced).
    int headTimeoutSeconds = 10;
    int idleTimeoutSeconds = 5;
    int bodyMinKilobytesPerSecond = 8;
    int maxRequestsPerConnection = 100;
    int maxConnections = 4096;
    int maxConnectionsPerClient = 128;
};

// How staff sign in (hub.staff_sign_in): sessions, the lockout, and an optional OpenID Connect provider.
struct StaffSignIn {
    int sessionIdleMinutes = 30;
    int sessionHours = 12;
    int lockoutAttempts = 5;
    int lockoutMinutes = 15;
    struct SingleSignOn {
        std::string name = "single sign-on";
        std::string issuer;
        std::string clientId;
        std::string clientSecretEnv; // the secret itself is read from the environment at start
        std::string redirectUri;
        std::string emailClaim = "email";
        std::string newUserOrganisation; // "" when the provider makes no new users
        std::string newUserRole;
        Mark mark; // where single_sign_on is written, for problems found at start
    };
    std::optional<SingleSignOn> singleSignOn;
};

// How hard the hub may lean on each organisation's appointment book (hub/workflows/BookGate.h, SlotCache.h).
struct Books {
    int callsPerOrganisation = 4;   // at once; 0: no bound
    int freeSlotsCacheSeconds = 10; // a link's free slots are asked again after this; 0: every time
    bool operator==(const Books&) const = default;
};

struct Outbox {
    int workers = 2;
    int pollMilliseconds = 500;
    int batchSize = 50;
    int maxAttempts = 10;
    int backoffBaseSeconds = 30;
    int backoffCapSeconds = 3600;
    int leaseSeconds = 300; // a claim older than this is taken back
    bool operator==(const Outbox&) const = default;
};

struct Config {
    std::string file;
    std::string logLevel = "info"; // hub.log_level: the least severe lines serve writes
    Http http;
    StaffSignIn staffSignIn;
    std::string storeUrl = "sqlite:clinhub.db";
    // Where hub.listen and hub.store are written (line 0 when they are not), so that a failure to listen or
    // to open the store at start names the line to change.
    Mark listenMark;
    Mark storeMark;
    std::vector<std::string> pluginPaths; // absolute, resolved against the config file's folder
    // Audit entries older than this are deleted by the retention job (audit::AuditLog::forgetBefore); 8
    // years by default, as the NHS records code asks of GP records' audit trails.
    int auditRetentionDays = 2922;
    // The connectors without which /readyz says not ready (hub.ready_requires); the others never do.
    std::vector<std::string> readyRequires;
    Outbox outbox;
    Books books;
    std::map<std::string, Connector> connectors;
    std::map<std::string, Organisation> organisations;
};

} // namespace clinhub::config
