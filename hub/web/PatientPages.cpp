#include "hub/web/PatientPages.h"
#include "hub/http/ClientLimit.h"

#include "hub/log/Log.h"
#include "hub/web/Assets.h"
#include "hub/web/Html.h"
#include "hub/web/Pages.h"
#include "hub/web/PatientSessions.h"
#include "hub/web/SlotDays.h"
#include "hub/workflows/SelfBook.h"
#include "hub/workflows/Tokens.h"

#include <clinhub/kit/Identity.hpp>
#include <clinhub/kit/UkTime.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace clinhub::web {

namespace {

const std::string kSlotTaken = "Sorry, that time has just been taken. Choose another time.";

using workflows::BookOutcome;
using workflows::DobCheck;
using workflows::SelfBook;
using workflows::Visit;

constexpr const char* kSessionCookie = "clinhub_session";
constexpr const char* kContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; font-src "
                                               "'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// Tokens are base64url; anything else cannot be one, and is answered without a database look-up. It also
// keeps the token safe to echo into a cookie's Path and into URLs.
bool plausibleToken(const std::string& token) {
    if (token.size() < 16 || token.size() > 128) return false;
    return std::all_of(token.begin(), token.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::string urlEncode(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]%\"<>\\^`{|} ", out);
    return out;
}

// Where the patient goes once their date of birth is checked.
enum class Next { book, decline, appointment };

Next parseNext(const std::optional<std::string>& text) {
    if (text == "decline") return Next::decline;
    if (text == "appointment") return Next::appointment;
    return Next::book;
}

const char* nextName(Next next) {
    switch (next) {
    case Next::decline: return "decline";
    case Next::appointment: return "appointment";
    case Next::book: break;
    }
    return "book";
}

// A date of birth as typed into the three boxes, and what is wrong with it.
struct DateEntry {
    std::string day, month, year;
    std::string iso;     // YYYY-MM-DD when valid
    std::string problem; // for the error summary
    std::string field;   // the box the summary links to
};

bool digits(const std::string& text, std::size_t min, std::size_t max) {
    return text.size() >= min && text.size() <= max &&
           std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

DateEntry readDate(http::Request& request, const std::string& today) {
    DateEntry entry{trimmed(request.formField("dob-day").value_or("")),
                    trimmed(request.formField("dob-month").value_or("")),
                    trimmed(request.formField("dob-year").value_or("")),
                    {},
                    {},
                    {}};
    if (entry.day.empty() && entry.month.empty() && entry.year.empty()) {
        entry.problem = "Enter your date of birth";
        entry.field = "dob-day";
        return entry;
    }
    const bool dayOk = digits(entry.day, 1, 2), monthOk = digits(entry.month, 1, 2), yearOk = digits(entry.year, 4, 4);
    entry.field = !dayOk ? "dob-day" : !monthOk ? "dob-month" : !yearOk ? "dob-year" : "dob-day";
    if (dayOk && monthOk && yearOk) {
        const std::string iso = entry.year + "-" + (entry.month.size() == 1 ? "0" : "") + entry.month + "-" +
                                (entry.day.size() == 1 ? "0" : "") + entry.day;
        if (kit::parseDate(iso)) {
            if (!kit::checkDateOfBirth(iso, today).ok()) {
                entry.problem = "Your date of birth must be in the past";
                return entry;
            }
            entry.iso = iso;
            return entry;
        }
    }
    entry.problem = "Enter a real date of birth";
    return entry;
}

// What the config says about a link's practice and rule. The runtime is held so the pointers stay good
// through a reload.
struct Practice {
    std::shared_ptr<const runtime::Runtime> runtime;
    const config::Organisation* organisation = nullptr;
    std::shared_ptr<const config::Rule> rule;

    [[nodiscard]] std::string name() const { return organisation ? organisation->name : std::string(); }
    [[nodiscard]] std::string title() const {
        return rule && !rule->title.empty() ? rule->title : std::string("Book an appointment");
    }
    // A page text the practice wrote (welcome, confirmation, ...), as HTML; empty when none.
    [[nodiscard]] std::string text(const std::string& page) const {
        if (!rule) return {};
        const auto found = rule->pages.find(page);
        return found == rule->pages.end() ? std::string() : textToHtml(found->second);
    }
    [[nodiscard]] bool allowDecline() const { return rule && rule->allowDecline; }
    [[nodiscard]] bool allowCancel() const { return rule && rule->allowCancel; }
    [[nodiscard]] bool allowReschedule() const { return rule && rule->allowReschedule; }
};

// One request to a /b/{token} page, with what the token opened.
struct Exchange {
    http::Request& request;
    http::Response& response;
    std::string token;
    Visit visit;
    Practice practice;

    [[nodiscard]] std::string path(const std::string& rest = {}) const { return "/b/" + token + rest; }
};

std::string slotLabel(const Slot& slot) {
    std::string label = kit::ukTimeText(slot.start) + " – " + slot.slotType;
    if (!slot.clinician.empty()) label += " with " + slot.clinician;
    if (slot.telephone)
        label += " by telephone";
    else if (!slot.location.empty())
        label += " at " + slot.location;
    if (slot.durationMinutes > 0) label += " (" + std::to_string(slot.durationMinutes) + " minutes)";
    return label;
}

Data appointmentData(const Slot& slot) {
    Data data;
    data.set("date", kit::ukDayText(slot.start, true));
    data.set("time", kit::ukTimeText(slot.start));
    data.set("hasDuration", slot.durationMinutes > 0);
    data.set("duration", std::to_string(slot.durationMinutes) + " minutes");
    data.set("type", slot.slotType);
    data.set("hasClinician", !slot.clinician.empty());
    data.set("clinician", slot.clinician);
    data.set("location", slot.telephone ? std::string("By telephone") : slot.location);
    return data;
}

std::string appointmentDetails(const Slot& slot) {
    return renderFragment("appointment-details", appointmentData(slot));
}

// A telephone appointment chosen as a window: when we will call, not the slot's own time or clinician,
// which the practice may change within the window.
std::string callDetails(const std::string& slotType, int64_t from, int64_t to) {
    Data data;
    data.set("date", kit::ukDayText(from, true));
    data.set("time", "We will call you between " + kit::ukTimeText(from) + " and " + kit::ukTimeText(to));
    data.set("hasDuration", false);
    data.set("type", slotType);
    data.set("hasClinician", false);
    data.set("location", std::string("By telephone"));
    return renderFragment("appointment-details", data);
}

std::string recordDetails(const workflows::AppointmentRecord& record) {
    return record.callFrom != 0 ? callDetails(record.slot.slotType, record.callFrom, record.callTo)
                                : appointmentDetails(record.slot);
}

std::string slotDay(const Slot& slot) { return kit::isoDate(kit::localDate(slot.start, kit::Zone::europeLondon)); }

// What a link offers now: its free slots and, for a telephone rule, the windows they make.
struct Offer {
    std::vector<Slot> slots;
    std::vector<workflows::DayWindow> windows;
    bool telephone = false;

    [[nodiscard]] bool empty() const { return telephone ? windows.empty() : slots.empty(); }
    // The days with something free, in order.
    [[nodiscard]] std::vector<std::string> days() const {
        std::vector<std::string> out;
        auto add = [&](const std::string& day) {
            if (out.empty() || out.back() != day) out.push_back(day);
        };
        if (telephone)
            for (const auto& window : windows)
                add(window.day);
        else
            for (const auto& slot : slots)
                add(slotDay(slot));
        return out;
    }
};

Data paragraphs(std::initializer_list<std::string> texts) {
    Data list{Data::type::list};
    for (const auto& text : texts)
        list.push_back(Data(text));
    return list;
}

class PatientPages {
public:
    PatientPages(SelfBook& selfBook, store::Store& store, runtime::Current& runtime, const PagesOptions& options)
        : selfBook_(selfBook), sessions_(store), runtime_(runtime),
          assets_(options.assets ? options.assets : std::make_shared<const Assets>(defaultAssetDir())),
          secure_(options.secureCookies),
          // A tenth of the hour's allowance at once: a household sharing a phone, or a busy NAT, has room.
          dateOfBirthChecks_(options.dateOfBirthChecksPerHour, options.dateOfBirthChecksPerHour / 10),
          bookings_(options.bookingsPerHour, options.bookingsPerHour / 10) {}

    void addRoutes(http::Router& router, const std::shared_ptr<PatientPages>& self) {
        addAssetRoutes(router, assets_);
        using Method = void (PatientPages::*)(Exchange&);
        auto route = [&](const char* method, const char* pattern, Method handler) {
            router.add(method, pattern, [self, handler](http::Request& request, http::Response& response) {
                self->serve(request, response, handler);
            });
        };
        route("GET", "/b/{token}", &PatientPages::welcome);
        route("GET", "/b/{token}/verify", &PatientPages::verifyForm);
        route("POST", "/b/{token}/verify", &PatientPages::verify);
        route("GET", "/b/{token}/slots", &PatientPages::slots);
        route("GET", "/b/{token}/times", &PatientPages::times);
        route("POST", "/b/{token}/slots", &PatientPages::chooseSlot);
        route("GET", "/b/{token}/review", &PatientPages::review);
        route("POST", "/b/{token}/book", &PatientPages::book);
        route("GET", "/b/{token}/confirmation", &PatientPages::confirmation);
        route("GET", "/b/{token}/appointment", &PatientPages::appointment);
        route("GET", "/b/{token}/decline", &PatientPages::declineForm);
        route("POST", "/b/{token}/decline", &PatientPages::decline);
        route("GET", "/b/{token}/declined", &PatientPages::declined);
        route("GET", "/b/{token}/cancel", &PatientPages::cancelForm);
        route("POST", "/b/{token}/cancel", &PatientPages::cancel);
    }

private:
    // ---- Plumbing -------------------------------------------------------------------------------------

    void serve(http::Request& request, http::Response& response, void (PatientPages::*handler)(Exchange&)) {
        Exchange ex{request, response, request.param("token"), {}, {}};
        try {
            if (!plausibleToken(ex.token)) return showState(ex);
            ex.visit = selfBook_.open(ex.token);
            ex.practice = practiceOf(ex.visit);
            (this->*handler)(ex);
        } catch (const http::Error& e) {
            // A malformed query or an oversized form: the patient gets a page, not a JSON problem.
            response.reset();
            sorry(ex, e.status(), "Sorry, there is a problem with this page",
                  {"Go back to the link in your text message and try again."});
        } catch (const std::exception& e) {
            // The type only: what() of a store or connector error can quote the patient data it failed on.
            log::error("patient_page_failed", {{"route", request.route()}, {"exception", typeid(e).name()}});
            response.reset();
            sorry(ex, 500, "Sorry, there is a problem with the service", {"Try again later."});
        }
    }

    Practice practiceOf(const Visit& visit) const {
        if (!visit.found()) return Practice{runtime_.get()};
        return Practice{visit.runtime, visit.organisation, visit.rule};
    }

    static void secure(http::Response& response) {
        response.header("Content-Security-Policy", kContentSecurityPolicy);
        response.header("Referrer-Policy", "no-referrer");
        response.header("X-Frame-Options", "DENY");
        response.header("Cache-Control", "no-store");
    }

    void send(Exchange& ex, int status, const std::string& title, std::string_view page, const Data& data,
              const std::string& backLink = {}, bool hasError = false) {
        const Frame frame{title, ex.practice.name(), assets_->stylesheetUrl(), backLink, hasError};
        secure(ex.response);
        ex.response.html(renderPage(frame, page, data), status);
    }

    static void redirect(Exchange& ex, const std::string& location) {
        secure(ex.response);
        ex.response.header("Location", location);
        ex.response.text("See " + location + "\n", 303);
    }

    void message(Exchange& ex, int status, const std::string& heading, const Data& paragraphList,
                 const std::string& practiceText = {}, const std::string& buttonText = {},
                 const std::string& buttonHref = {}) {
        Data data;
        data.set("heading", heading);
        data.set("paragraphs", paragraphList);
        data.set("practiceText", practiceText);
        data.set("hasButton", !buttonText.empty());
        data.set("buttonText", buttonText);
        data.set("buttonHref", buttonHref);
        send(ex, status, heading, "message", data);
    }

    void sorry(Exchange& ex, int status, const std::string& heading, std::initializer_list<std::string> texts) {
        message(ex, status, heading, paragraphs(texts));
    }

    // False, with the page said, when this client has used up its allowance of `limit`.
    bool within(Exchange& ex, http::ClientLimit& limit) {
        const auto wait = limit.take(ex.request.client());
        if (wait.count() == 0) return true;
        const auto minutes = std::to_string((wait.count() + 59) / 60);
        ex.response.header("Retry-After", std::to_string(wait.count()));
        sorry(ex, 429, "Too many attempts",
              {"There have been too many attempts from your network.",
               "Try again in " + minutes + (minutes == "1" ? " minute." : " minutes.")});
        return false;
    }

    void notFound(Exchange& ex) {
        sorry(ex, 404, "Page not found", {"Go back to the link in your text message and try again."});
    }

    // The page for a link that cannot be used to book (or, when it can, the welcome page).
    void showState(Exchange& ex) {
        const std::string contact = ex.practice.name().empty() ? "your GP practice" : ex.practice.name();
        switch (ex.visit.kind) {
        case Visit::Kind::unknown:
            return sorry(ex, 404, "This link is not valid",
                         {"Check you have copied the whole link from your text message.",
                          "If it still does not work, contact your GP practice."});
        case Visit::Kind::expired:
            return message(ex, 410, "This link has expired",
                           paragraphs({"Contact " + contact + " if you still need an appointment."}),
                           ex.practice.text("expired"));
        case Visit::Kind::deleted:
        case Visit::Kind::failed:
            return sorry(ex, 410, "This link is no longer valid",
                         {"Contact " + contact + " if you need an appointment."});
        case Visit::Kind::locked:
            return sorry(ex, 403, "This link has been locked",
                         {"The date of birth was entered incorrectly too many times, so we have locked this link "
                          "to keep your details safe.",
                          "To book an appointment, contact the practice: " + contact + "."});
        case Visit::Kind::cancelled:
            return message(ex, 200, "Your appointment has been cancelled",
                           paragraphs({"Contact " + contact + " if you need another appointment."}), {});
        case Visit::Kind::declined:
            return message(ex, 200, "You have declined this appointment",
                           paragraphs({"Contact " + contact + " if you change your mind."}),
                           ex.practice.text("declined"));
        case Visit::Kind::booked:
            if (ex.visit.manage)
                return message(ex, 200, "Manage your appointment",
                               paragraphs({"Check your date of birth to see your appointment."}), {}, "Continue",
                               ex.path("/verify?next=appointment"));
            return message(ex, 200, "You have already booked this appointment",
                           paragraphs({"You cannot use this link to book another appointment.",
                                       "Check your date of birth to see your appointment."}),
                           {}, "View your appointment", ex.path("/verify?next=appointment"));
        case Visit::Kind::open: break;
        }
        Data data;
        data.set("title", ex.practice.title());
        data.set("organisation", ex.practice.name());
        data.set("practiceText", ex.practice.text("welcome"));
        data.set("continueHref", ex.path("/verify"));
        data.set("hasDecline", ex.practice.allowDecline());
        data.set("declineHref", ex.path("/verify?next=decline"));
        send(ex, 200, ex.practice.title(), "welcome", data);
    }

    // Whether the link can still be used at all (open or booked, or declined for the pages that say so).
    static bool usable(const Exchange& ex) {
        return ex.visit.kind == Visit::Kind::open || ex.visit.kind == Visit::Kind::booked ||
               ex.visit.kind == Visit::Kind::declined;
    }

    // The session for this link, or a redirect to the date of birth check (and nullopt).
    std::optional<PatientSessions::Session> session(Exchange& ex, Next next) {
        if (!usable(ex)) {
            showState(ex);
            return std::nullopt;
        }
        Poco::Net::NameValueCollection cookies;
        ex.request.poco().getCookies(cookies);
        auto found = sessions_.find(cookies.get(kSessionCookie, ""), ex.visit.link.id);
        if (!found)
            redirect(ex, ex.path(next == Next::book ? "/verify" : std::string("/verify?next=") + nextName(next)));
        return found;
    }

    // A POST without the session's CSRF token is refused: another site cannot make the patient's
    // browser book or decline.
    bool csrfOk(Exchange& ex, const PatientSessions::Session& session) {
        const auto sent = ex.request.formField("csrf");
        if (sent && !session.csrf.empty() && workflows::sameSecret(*sent, session.csrf)) return true;
        sorry(ex, 403, "Sorry, this form has expired", {"Go back to the link in your text message and try again."});
        return false;
    }

    enum class Mode { book, reschedule, none };
    static Mode mode(const Exchange& ex) {
        if (ex.visit.kind == Visit::Kind::open) return Mode::book;
        if (ex.visit.kind == Visit::Kind::booked && ex.visit.manage && ex.practice.allowReschedule())
            return Mode::reschedule;
        return Mode::none;
    }

    // Where a patient who cannot book (or rebook) from this link is sent instead.
    void elsewhere(Exchange& ex) {
        if (ex.visit.kind == Visit::Kind::booked) return redirect(ex, ex.path("/appointment"));
        if (ex.visit.kind == Visit::Kind::declined) return redirect(ex, ex.path("/declined"));
        showState(ex);
    }

    // ---- Pages ----------------------------------------------------------------------------------------

    void welcome(Exchange& ex) { showState(ex); }

    void renderVerify(Exchange& ex, Next next, int status, const DateEntry& entry) {
        const bool hasError = !entry.problem.empty();
        Data data;
        data.set("action", ex.path("/verify"));
        data.set("next", std::string(nextName(next)));
        data.set("hasError", hasError);
        data.set("error", entry.problem);
        data.set("errorSummary", hasError ? errorSummary(entry.field, entry.problem) : std::string());
        data.set("day", entry.day);
        data.set("month", entry.month);
        data.set("year", entry.year);
        // Every box is marked when the date as a whole is wrong; only the bad one when one part is.
        const bool whole = entry.field == "dob-day" || !hasError;
        data.set("dayError", hasError && whole);
        data.set("monthError", hasError && (whole || entry.field == "dob-month"));
        data.set("yearError", hasError && (whole || entry.field == "dob-year"));
        send(ex, status, "What is your date of birth?", "verify", data, ex.path(), hasError);
    }

    void verifyForm(Exchange& ex) {
        if (ex.visit.kind != Visit::Kind::open && ex.visit.kind != Visit::Kind::booked) return showState(ex);
        renderVerify(ex, parseNext(ex.request.query("next")), 200, {});
    }

    void verify(Exchange& ex) {
        if (ex.visit.kind != Visit::Kind::open && ex.visit.kind != Visit::Kind::booked) return showState(ex);
        const Next next = parseNext(ex.request.formField("next"));
        DateEntry entry = readDate(ex.request, kit::ukDate(store::nowMicros()));
        if (!entry.problem.empty()) return renderVerify(ex, next, 422, entry);
        if (!within(ex, dateOfBirthChecks_)) return;

        switch (selfBook_.checkDateOfBirth(ex.visit, entry.iso)) {
        case DobCheck::wrong:
            entry.problem = "The date of birth does not match our records";
            entry.field = "dob-day";
            return renderVerify(ex, next, 422, entry);
        case DobCheck::locked: ex.visit.kind = Visit::Kind::locked; return showState(ex);
        case DobCheck::ok: break;
        }
        const auto session = sessions_.start(ex.visit.link.id);
        std::string cookie = std::string(kSessionCookie) + "=" + session.id + "; Path=" + ex.path() +
                             "; Max-Age=" + std::to_string(PatientSessions::kLifeMicros / 1'000'000) +
                             "; HttpOnly; SameSite=Strict";
        if (secure_) cookie += "; Secure";
        ex.response.header("Set-Cookie", cookie);

        if (ex.visit.kind == Visit::Kind::booked) return redirect(ex, ex.path("/appointment"));
        if (next == Next::decline && ex.practice.allowDecline()) return redirect(ex, ex.path("/decline"));
        redirect(ex, ex.path("/slots"));
    }

    // The link's offer; false, with the page said, when the book cannot be asked.
    bool offer(Exchange& ex, Offer& out) {
        if (!selfBook_.freeSlots(ex.visit, out.slots).ok()) {
            sorry(ex, 503, "Sorry, we cannot show appointments at the moment", {"Try again later."});
            return false;
        }
        // A campaign's clinics are face to face whatever its rule says (SelfBook::freeSlots).
        out.telephone = ex.visit.rule && ex.visit.rule->mode == config::AppointmentMode::telephone &&
                        ex.visit.link.memberId.empty();
        if (out.telephone) out.windows = workflows::dayWindows(*ex.visit.rule, out.slots);
        return true;
    }

    void noSlots(Exchange& ex, const std::string& problem) {
        Data data;
        const auto text = ex.practice.text("no_slots");
        data.set("hasPracticeText", !text.empty());
        data.set("practiceText", text);
        data.set("organisation", ex.practice.name());
        // The patient who just lost the last slot must still hear why their choice did not go through.
        data.set("hasProblem", !problem.empty());
        data.set("problem",
                 problem == kSlotTaken ? "Sorry, that time has just been taken and no other times are left." : problem);
        send(ex, 200, "There are no appointments available", "no-slots", data);
    }

    // The first step: the days of one week with something free. `wanted` is a day of the week to show.
    void renderDays(Exchange& ex, int status, const std::string& problem, const std::string& wanted) {
        Offer offered;
        if (!offer(ex, offered)) return;
        if (offered.empty()) return noSlots(ex, problem);
        const Week week = weekOf(offered.days(), wanted);
        Data days{Data::type::list};
        int index = 0;
        for (const auto& day : week.days) {
            // The first radio has the group's id, so the error summary's link lands on it.
            Data item;
            item.set("id", ++index == 1 ? std::string("day") : "day-" + std::to_string(index));
            item.set("value", day);
            item.set("label", dayText(day));
            days.push_back(item);
        }
        const std::string heading = mode(ex) == Mode::reschedule ? "Choose a new day" : "Choose a day";
        Data data;
        data.set("action", ex.path("/times"));
        data.set("week", week.monday);
        data.set("weekText", dayText(week.monday));
        data.set("heading", heading);
        data.set("title", ex.practice.title());
        data.set("days", days);
        data.set("hasError", !problem.empty());
        data.set("error", problem);
        data.set("errorSummary", problem.empty() ? std::string() : errorSummary("day", problem));
        data.set("hasWeeks", !week.previous.empty() || !week.next.empty());
        data.set("hasPrevious", !week.previous.empty());
        data.set("previousHref", ex.path("/slots?week=" + week.previous));
        data.set("previousText", dayText(week.previous));
        data.set("hasNext", !week.next.empty());
        data.set("nextHref", ex.path("/slots?week=" + week.next));
        data.set("nextText", dayText(week.next));
        const std::string back = mode(ex) == Mode::reschedule ? ex.path("/appointment") : ex.path();
        send(ex, status, heading, "days", data, back, !problem.empty());
    }

    // The second step: the free times of `day`, or for a telephone rule its windows with a free call.
    void renderTimes(Exchange& ex, const PatientSessions::Session& session, const std::string& day, int status,
                     const std::string& problem) {
        Offer offered;
        if (!offer(ex, offered)) return;
        Data times{Data::type::list};
        int index = 0;
        auto add = [&](const char* name, const std::string& value, const std::string& label) {
            Data item;
            item.set("id", ++index == 1 ? std::string("slot") : "slot-" + std::to_string(index));
            item.set("name", std::string(name));
            item.set("value", value);
            item.set("label", label);
            times.push_back(item);
        };
        if (offered.telephone) {
            for (const auto& window : offered.windows)
                if (window.day == day)
                    add("window", window.label, workflows::windowText(window.label, window.from, window.to));
        } else {
            for (const auto& slot : offered.slots)
                if (slotDay(slot) == day) add("slot", slot.id, slotLabel(slot));
        }
        // Gone since the day was listed: back to that week's days, saying so; never a day: to the first week.
        if (index == 0)
            return redirect(ex, kit::parseDate(day) ? ex.path("/slots?taken=1&week=" + day) : ex.path("/slots"));
        const std::string heading = offered.telephone ? "Choose when we should call you" : "Choose a time";
        const std::string hint =
            ex.practice.title() + (offered.telephone
                                       ? ". We will call you at some time in the part of the day you choose."
                                       : ". Times are UK time.");
        Data data;
        data.set("action", ex.path("/slots"));
        data.set("csrf", session.csrf);
        data.set("day", day);
        data.set("dayText", dayText(day, true));
        data.set("heading", heading);
        data.set("hint", hint);
        data.set("times", times);
        data.set("hasError", !problem.empty());
        data.set("error", problem);
        data.set("errorSummary", problem.empty() ? std::string() : errorSummary("slot", problem));
        data.set("otherDayHref", ex.path("/slots?week=" + urlEncode(day)));
        send(ex, status, heading, "times", data, ex.path("/slots?week=" + urlEncode(day)), !problem.empty());
    }

    void slots(Exchange& ex) {
        const auto session = this->session(ex, Next::book);
        if (!session) return;
        if (mode(ex) == Mode::none) return elsewhere(ex);
        const bool taken = ex.request.query("taken") == "1";
        renderDays(ex, 200, taken ? kSlotTaken : "", ex.request.query("week").value_or(""));
    }

    void times(Exchange& ex) {
        const auto session = this->session(ex, Next::book);
        if (!session) return;
        if (mode(ex) == Mode::none) return elsewhere(ex);
        const std::string day = ex.request.query("day").value_or("");
        if (day.empty()) return renderDays(ex, 422, "Choose a day", ex.request.query("week").value_or(""));
        renderTimes(ex, *session, day, 200, "");
    }

    void chooseSlot(Exchange& ex) {
        const auto session = this->session(ex, Next::book);
        if (!session || !csrfOk(ex, *session)) return;
        if (mode(ex) == Mode::none) return elsewhere(ex);
        const std::string day = ex.request.formField("day").value_or("");
        if (const auto window = ex.request.formField("window"); window && !window->empty())
            return redirect(ex, ex.path("/review?day=" + urlEncode(day) + "&window=" + urlEncode(*window)));
        const auto slot = ex.request.formField("slot");
        if (!slot || slot->empty())
            return day.empty() ? renderDays(ex, 422, "Choose a day", "")
                               : renderTimes(ex, *session, day, 422, "Choose a time");
        redirect(ex, ex.path("/review?slot=" + urlEncode(*slot)));
    }

    // A telephone window to check: the day, when we will call, and what for.
    void reviewWindow(Exchange& ex, const PatientSessions::Session& session, const std::string& day,
                      const std::string& label) {
        Offer offered;
        if (!offer(ex, offered)) return;
        const auto window = std::find_if(offered.windows.begin(), offered.windows.end(),
                                         [&](const auto& w) { return w.day == day && w.label == label; });
        if (window == offered.windows.end()) return redirect(ex, ex.path("/slots?taken=1&week=" + urlEncode(day)));
        const auto first = std::find_if(offered.slots.begin(), offered.slots.end(),
                                        [&](const Slot& s) { return s.id == window->slots.front(); });
        Data data;
        data.set("details",
                 callDetails(first == offered.slots.end() ? std::string() : first->slotType, window->from, window->to));
        data.set("action", ex.path("/book"));
        data.set("csrf", session.csrf);
        data.set("hasWindow", true);
        data.set("day", day);
        data.set("window", label);
        data.set("changeHref", ex.path("/times?day=" + urlEncode(day)));
        send(ex, 200, "Check your appointment", "review", data, ex.path("/times?day=" + urlEncode(day)));
    }

    void review(Exchange& ex) {
        const auto session = this->session(ex, Next::book);
        if (!session) return;
        if (mode(ex) == Mode::none) return elsewhere(ex);
        if (const auto window = ex.request.query("window"); window && !window->empty())
            return reviewWindow(ex, *session, ex.request.query("day").value_or(""), *window);
        const auto slotId = ex.request.query("slot");
        if (!slotId || slotId->empty()) return redirect(ex, ex.path("/slots"));
        std::vector<Slot> free;
        if (!selfBook_.freeSlots(ex.visit, free).ok()) {
            return sorry(ex, 503, "Sorry, we cannot show appointments at the moment", {"Try again later."});
        }
        const auto slot = std::find_if(free.begin(), free.end(), [&](const Slot& s) { return s.id == *slotId; });
        if (slot == free.end()) return redirect(ex, ex.path("/slots?taken=1"));
        Data data;
        data.set("details", appointmentDetails(*slot));
        data.set("action", ex.path("/book"));
        data.set("csrf", session->csrf);
        data.set("hasSlot", true);
        data.set("slot", slot->id);
        const std::string times = ex.path("/times?day=" + slotDay(*slot));
        data.set("changeHref", times);
        send(ex, 200, "Check your appointment", "review", data, times);
    }

    void book(Exchange& ex) {
        const auto session = this->session(ex, Next::book);
        if (!session || !csrfOk(ex, *session)) return;
        const Mode how = mode(ex);
        if (how == Mode::none) return elsewhere(ex);
        const std::string slot = ex.request.formField("slot").value_or("");
        const std::string window = ex.request.formField("window").value_or("");
        if (slot.empty() && window.empty()) return redirect(ex, ex.path("/slots"));
        if (!within(ex, bookings_)) return;
        const BookOutcome outcome = !window.empty()
                                        ? selfBook_.bookWindow(ex.visit, ex.request.formField("day").value_or(""),
                                                               window, how == Mode::reschedule)
                                    : how == Mode::reschedule ? selfBook_.reschedule(ex.visit, slot)
                                                              : selfBook_.book(ex.visit, slot);
        switch (outcome.kind) {
        case BookOutcome::Kind::booked: return redirect(ex, ex.path("/confirmation"));
        case BookOutcome::Kind::slotTaken: return redirect(ex, ex.path("/slots?taken=1"));
        case BookOutcome::Kind::alreadyBooked: return redirect(ex, ex.path("/appointment"));
        case BookOutcome::Kind::declined: return redirect(ex, ex.path("/declined"));
        case BookOutcome::Kind::cancelled:
        case BookOutcome::Kind::notAllowed: return redirect(ex, ex.path());
        case BookOutcome::Kind::failed: break;
        }
        // outcome.message is for staff and may name the connector's trouble; the patient gets a plain page.
        log::warning("patient_booking_failed", {{"link", ex.visit.link.id}});
        sorry(ex, 503, "Sorry, we could not book your appointment",
              {"Try again later, or contact " + ex.practice.name() + " to book."});
    }

    const workflows::AppointmentRecord* current(Exchange& ex) {
        return ex.visit.kind == Visit::Kind::booked ? ex.visit.link.currentAppointment() : nullptr;
    }

    void confirmation(Exchange& ex) {
        const auto session = this->session(ex, Next::appointment);
        if (!session) return;
        const auto* booked = current(ex);
        if (!booked) return ex.visit.kind == Visit::Kind::open ? redirect(ex, ex.path("/slots")) : elsewhere(ex);
        const std::string heading =
            ex.visit.link.state == workflows::LinkState::rescheduled ? "Appointment changed" : "Appointment booked";
        Data data;
        data.set("heading", heading);
        data.set("when", booked->callFrom != 0
                             ? "We will call you " + workflows::callWhenText(booked->callFrom, booked->callTo)
                             : kit::ukDayText(booked->slot.start, true) + " at " + kit::ukTimeText(booked->slot.start));
        data.set("details", recordDetails(*booked));
        data.set("practiceText", ex.practice.text("confirmation"));
        send(ex, 200, heading, "confirmation", data);
    }

    void appointment(Exchange& ex) {
        const auto session = this->session(ex, Next::appointment);
        if (!session) return;
        const auto* booked = current(ex);
        if (!booked) return ex.visit.kind == Visit::Kind::open ? redirect(ex, ex.path("/slots")) : elsewhere(ex);
        Data data;
        data.set("heading", std::string("Your appointment"));
        data.set("details", recordDetails(*booked));
        data.set("practiceText", ex.practice.text("confirmation"));
        data.set("canChange", mode(ex) == Mode::reschedule);
        data.set("changeHref", ex.path("/slots"));
        data.set("canCancel", ex.practice.allowCancel());
        data.set("cancelHref", ex.path("/cancel"));
        data.set("organisation", ex.practice.name());
        send(ex, 200, "Your appointment", "appointment", data);
    }

    // Cancelling, when the rule allows it: a page that says what will happen, then the post that does it.
    void cancelForm(Exchange& ex) {
        const auto session = this->session(ex, Next::appointment);
        if (!session) return;
        if (!ex.practice.allowCancel()) return notFound(ex);
        const auto* booked = current(ex);
        if (!booked) return elsewhere(ex);
        Data data;
        data.set("action", ex.path("/cancel"));
        data.set("csrf", session->csrf);
        data.set("details", recordDetails(*booked));
        data.set("organisation", ex.practice.name());
        send(ex, 200, "Cancel your appointment", "cancel", data, ex.path("/appointment"));
    }

    void cancel(Exchange& ex) {
        const auto session = this->session(ex, Next::appointment);
        if (!session || !csrfOk(ex, *session)) return;
        if (!ex.practice.allowCancel()) return notFound(ex);
        if (!current(ex)) return elsewhere(ex);
        switch (selfBook_.cancel(ex.visit).kind) {
        case BookOutcome::Kind::cancelled: return redirect(ex, ex.path());
        case BookOutcome::Kind::failed:
            // The book did not cancel it: the appointment stands, and the patient is told how else to cancel.
            return sorry(
                ex, 503, "Sorry, we could not cancel your appointment",
                {"Your appointment has not been cancelled. Try again later, or contact " + ex.practice.name() + "."});
        default: return redirect(ex, ex.path("/appointment"));
        }
    }

    void declineForm(Exchange& ex) {
        const auto session = this->session(ex, Next::decline);
        if (!session) return;
        if (!ex.practice.allowDecline()) return notFound(ex);
        if (ex.visit.kind != Visit::Kind::open) return elsewhere(ex);
        Data data;
        data.set("action", ex.path("/decline"));
        data.set("csrf", session->csrf);
        data.set("organisation", ex.practice.name());
        data.set("title", ex.practice.title());
        send(ex, 200, "Decline this appointment", "decline", data, ex.path());
    }

    void decline(Exchange& ex) {
        const auto session = this->session(ex, Next::decline);
        if (!session || !csrfOk(ex, *session)) return;
        if (!ex.practice.allowDecline()) return notFound(ex);
        if (ex.visit.kind != Visit::Kind::open) return elsewhere(ex);
        switch (selfBook_.decline(ex.visit).kind) {
        case BookOutcome::Kind::declined: return redirect(ex, ex.path("/declined"));
        case BookOutcome::Kind::alreadyBooked: return redirect(ex, ex.path("/appointment"));
        case BookOutcome::Kind::failed:
            return sorry(ex, 503, "Sorry, there is a problem with the service", {"Try again later."});
        default: return redirect(ex, ex.path());
        }
    }

    void declined(Exchange& ex) {
        const auto session = this->session(ex, Next::decline);
        if (!session) return;
        if (ex.visit.kind != Visit::Kind::declined) return redirect(ex, ex.path());
        showState(ex);
    }

    SelfBook& selfBook_;
    PatientSessions sessions_;
    runtime::Current& runtime_;
    std::shared_ptr<const Assets> assets_;
    bool secure_;
    http::ClientLimit dateOfBirthChecks_;
    http::ClientLimit bookings_;
};

} // namespace

void addPatientPages(http::Router& router, workflows::SelfBook& selfBook, store::Store& store,
                     runtime::Current& runtime, const PagesOptions& options) {
    auto pages = std::make_shared<PatientPages>(selfBook, store, runtime, options);
    pages->addRoutes(router, pages);
}

} // namespace clinhub::web
