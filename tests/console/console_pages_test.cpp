// The staff console over real HTTP, as a signed-in browser uses it: the organisation's home, sending a link
// with its preview, a link's page with "Expire link" and "Send again", finding a patient, the messages and
// the booking rules; and the guard every page stands behind (sign-in, the organisation, the role, CSRF),
// with what each change leaves in the audit trail.
#include "hub/console/Console.h"
#include "hub/outbox/Outbox.h"
#include "hub/staff/SignIn.h"
#include "hub/workflows/BatchSelfBook.h"
#include "tests/outbox/QueuedMessages.h"
#include "tests/web/PagesFixture.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

namespace clinhub::test {
namespace {

using staff::Role;

class ConsolePages : public PagesFixture {
protected:
    void addRoutes(http::Router& router) override {
        audit = std::make_unique<audit::AuditLog>(*store);
        signIn = std::make_unique<staff::SignIn>(*store, *audit);
        outbox = std::make_unique<outbox::Outbox>(*store);
        batches = std::make_unique<workflows::BatchSelfBook>(*store, *current, *selfBook);
        clinics = std::make_unique<workflows::Clinics>(*store, *current);
        cohorts = std::make_unique<workflows::Cohorts>(*store, *current, *selfBook);
        community = std::make_unique<workflows::CommunityClinics>(*store, *current, *selfBook, *cohorts);
        console::addConsole(
            router, {*store, *current, *signIn, *audit, *outbox, *selfBook, *batches, *clinics, *cohorts, *community},
            {std::make_shared<const web::Assets>(dir.file("no-assets"))});
    }

    // A browser signed in as a new user holding `role` at A12345; `csrf` is its session's token.
    Browser signedIn(Role role, std::string& csrf, const std::string& name = "Jo Example") {
        const auto email = "user" + std::to_string(++users) + "@test-surgery.example";
        const auto user = signIn->users().create(name, email);
        signIn->users().grant(user.id, "A12345", role);
        const auto result = signIn->withIdentity(*signIn->users().byId(user.id), "test", "127.0.0.1");
        EXPECT_EQ(result.kind, staff::SignInResult::Kind::signedIn);
        csrf = result.session.csrf;
        auto b = browser();
        b.forceCookie("clinhub_staff", result.session.id);
        return b;
    }

    // The organisation's audit entries for `action`, oldest first.
    std::vector<audit::Entry> entries(const std::string& action) const {
        std::vector<audit::Entry> out;
        for (const auto& e : audit->find({"A12345", std::nullopt, std::nullopt, std::nullopt, std::nullopt, 100}))
            if (e.action == action) out.push_back(e);
        return out;
    }

    // The number in the summary list row labelled `label`.
    static std::string row(const Reply& page, const std::string& label) {
        std::smatch m;
        const std::regex pattern("<dt class=\"nhsuk-summary-list__key\">" + label +
                                 "</dt>\\s*<dd class=\"nhsuk-summary-list__value\">([^<]*)");
        return std::regex_search(page.body, m, pattern) ? m[1].str() : std::string("(no row " + label + ")");
    }

    static std::string linkIdIn(const std::string& location) {
        std::smatch m;
        return std::regex_search(location, m, std::regex("/links/(lnk_[A-Za-z0-9_-]+)")) ? m[1].str() : std::string();
    }

    std::string sendLink(Browser& b, const std::string& csrf) {
        const auto sent = b.post("/staff/A12345/links/new", {{"csrf", csrf},
                                                             {"step", "send"},
                                                             {"rule", "flu"},
                                                             {"nhs_number", "999 526 0182"},
                                                             {"date_of_birth", "14/03/1956"},
                                                             {"mobile", "07700 900123"},
                                                             {"name", "Testy"}});
        EXPECT_EQ(sent.status, 303) << sent.body;
        return linkIdIn(sent.header("Location"));
    }

    std::unique_ptr<audit::AuditLog> audit;
    std::unique_ptr<staff::SignIn> signIn;
    std::unique_ptr<outbox::Outbox> outbox;
    std::unique_ptr<workflows::BatchSelfBook> batches;
    std::unique_ptr<workflows::Clinics> clinics;
    std::unique_ptr<workflows::Cohorts> cohorts;
    std::unique_ptr<workflows::CommunityClinics> community;
    int users = 0;
};

TEST_F(ConsolePages, WithoutASessionEveryPageSendsTheBrowserToSignIn) {
    auto b = browser();
    for (const char* path : {"/staff/A12345", "/staff/A12345/links/new", "/staff/A12345/messages"}) {
        const auto reply = b.get(path);
        EXPECT_EQ(reply.status, 303) << path;
        EXPECT_EQ(reply.header("Location"), "/staff/sign-in") << path;
    }
    const auto post = b.post("/staff/A12345/links/new", {{"step", "send"}});
    EXPECT_EQ(post.status, 303);
}

TEST_F(ConsolePages, AnOrganisationTheUserHoldsNoRoleInIsNotFoundAsAnUnknownOneIs) {
    std::string csrf;
    auto b = signedIn(Role::admin, csrf);
    const auto user = signIn->users().create("Other", "other@elsewhere.example");
    signIn->users().grant(user.id, "B99999", Role::admin);
    auto other = browser();
    other.forceCookie("clinhub_staff",
                      signIn->withIdentity(*signIn->users().byId(user.id), "test", "127.0.0.1").session.id);
    const auto notTheirs = other.get("/staff/A12345");
    EXPECT_EQ(notTheirs.status, 404);
    EXPECT_FALSE(notTheirs.says("Test Surgery"));
    EXPECT_EQ(b.get("/staff/B99999").status, 404) << "B99999 is in no config";
}

TEST_F(ConsolePages, HomeCountsTheDaysLinksByWhatHappenedToThem) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    newLink();
    const auto second = selfBook->createLink("A12345", "plain", {"9990000018", "1970-01-01", "07700 900124", {}});
    ASSERT_TRUE(selfBook->expire("A12345", second.link.id));
    const auto home = b.get("/staff/A12345");
    ASSERT_EQ(home.status, 200) << home.body;
    EXPECT_EQ(row(home, "Links sent"), "2");
    EXPECT_EQ(row(home, "Expired"), "1");
    EXPECT_EQ(row(home, "Booked"), "0");
    EXPECT_EQ(row(home, "Waiting to send"), "2") << "each link's invite is queued";
    EXPECT_TRUE(home.says("Test Surgery"));
    EXPECT_TRUE(home.says("Send a patient a booking link"));
    EXPECT_NE(home.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(home.header("Cache-Control"), "no-store");
}

TEST_F(ConsolePages, StaffPreviewTheTextThenSendAndTheLinksPageSaysWhereItStands) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto form = b.get("/staff/A12345/links/new");
    ASSERT_EQ(form.status, 200);
    EXPECT_TRUE(form.says(">Flu vaccination</option>"));
    EXPECT_TRUE(form.says(">Asthma review</option>"));

    const std::vector<std::pair<std::string, std::string>> details{{"csrf", csrf},
                                                                   {"rule", "flu"},
                                                                   {"nhs_number", "999 526 0182"},
                                                                   {"date_of_birth", "14/03/1956"},
                                                                   {"mobile", "07700 900123"},
                                                                   {"name", "Testy"}};
    auto preview = details;
    preview.emplace_back("step", "preview");
    const auto checked = b.post("/staff/A12345/links/new", preview);
    ASSERT_EQ(checked.status, 200) << checked.body;
    EXPECT_TRUE(checked.says("Test Surgery: please book your Flu vaccination appointment here: http"));
    EXPECT_TRUE(checked.says("1 text message long"));
    EXPECT_TRUE(checked.says("Wednesday 14 March 1956"));
    EXPECT_TRUE(checked.says("+447700900123"));
    EXPECT_EQ(outbox->countByState("A12345").at("queued"), 0) << "a preview sends nothing";

    auto send = details;
    send.emplace_back("step", "send");
    const auto sent = b.post("/staff/A12345/links/new", send);
    ASSERT_EQ(sent.status, 303) << sent.body;
    EXPECT_TRUE(sent.header("Location").ends_with("?done=sent")) << sent.header("Location");
    const auto page = b.get(sent.header("Location"));
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_TRUE(page.says("Link sent"));
    EXPECT_TRUE(page.says(">Sent</strong>"));
    EXPECT_TRUE(page.says("NHS number 999 526 0182"));
    EXPECT_TRUE(page.says("Waiting to send")) << "the invite's place in the outbox";
    EXPECT_TRUE(page.says(">Expire link</button>"));
    EXPECT_TRUE(page.says(">Send again</button>"));
    EXPECT_FALSE(page.says(">Batch<")) << "a link sent on its own belongs to no batch";
    EXPECT_FALSE(b.get("/staff/A12345/links/" + linkIdIn(sent.header("Location"))).says("Success"))
        << "the banner is for the send only";

    const auto created = entries("createLink");
    ASSERT_EQ(created.size(), 1U);
    EXPECT_EQ(created[0].outcome, audit::Outcome::success);
    EXPECT_EQ(created[0].actor.name, "Jo Example");
    EXPECT_EQ(created[0].nhsNumber, "9995260182");
    EXPECT_EQ(created[0].resource, linkIdIn(sent.header("Location")));
}

TEST_F(ConsolePages, StaffCancelABookedAppointmentTheBookFreesItAndThePatientIsTold) {
    const auto created = selfBook->createLink("A12345", "flu", {kNhsNumber, "14/03/1956", "07700 900123", "Testy"});
    std::vector<Slot> slots;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(created.token), slots).ok());
    ASSERT_EQ(selfBook->book(selfBook->open(created.token), slots.front().id).kind,
              workflows::BookOutcome::Kind::booked);
    const std::string page = "/staff/A12345/links/" + created.link.id;

    std::string viewerCsrf;
    auto viewer = signedIn(Role::viewer, viewerCsrf, "Val Viewer");
    EXPECT_FALSE(viewer.get(page).says("Cancel the appointment")) << "viewers see no button";
    EXPECT_EQ(viewer.post(page + "/cancel-appointment", {{"csrf", viewerCsrf}}).status, 403);

    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    EXPECT_TRUE(b.get(page).says(">Cancel the appointment</button>"));
    const auto cancelled = b.post(page + "/cancel-appointment", {{"csrf", csrf}});
    ASSERT_EQ(cancelled.status, 303) << cancelled.body;
    const auto shown = b.get(cancelled.header("Location"));
    EXPECT_TRUE(shown.says("Appointment cancelled: the patient is sent a text to say so"));
    EXPECT_TRUE(shown.says(">Cancelled</strong>"));
    EXPECT_TRUE(shown.says("by Jo Example"));
    EXPECT_FALSE(shown.says(">Cancel the appointment</button>"));
    std::vector<Slot> again;
    ASSERT_TRUE(
        selfBook
            ->freeSlots(
                selfBook->open(
                    selfBook->createLink("A12345", "flu", {kNhsNumber, "14/03/1956", "07700 900123", ""}).token),
                again)
            .ok());
    EXPECT_EQ(again.front().id, slots.front().id) << "the slot is free again";
    EXPECT_EQ(b.post(page + "/cancel-appointment", {{"csrf", csrf}}).status, 409) << "nothing left to cancel";
    const auto trail = entries("cancelAppointment");
    const auto done = std::count_if(trail.begin(), trail.end(),
                                    [](const audit::Entry& e) { return e.outcome == audit::Outcome::success; });
    EXPECT_EQ(done, 1) << "the viewer's refusal and the second try are audited as failures";
    EXPECT_EQ(trail.size(), 3U);
}

// Quiet all day, so that it is quiet hours whenever the test runs.
class ConsolePagesInQuietHours : public ConsolePages {
protected:
    ConsolePagesInQuietHours() { quietHours = R"({from: "00:00", to: "24:00"})"; }
};

TEST_F(ConsolePagesInQuietHours, ThePreviewSaysTheTextWaitsUnlessThePatientIsWaitingForIt) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    std::vector<std::pair<std::string, std::string>> form{{"csrf", csrf},
                                                          {"rule", "flu"},
                                                          {"nhs_number", kNhsNumber},
                                                          {"date_of_birth", "14/03/1956"},
                                                          {"mobile", "07700 900123"}};
    auto preview = form;
    preview.emplace_back("step", "preview");
    const auto checked = b.post("/staff/A12345/links/new", preview);
    ASSERT_EQ(checked.status, 200) << checked.body;
    EXPECT_TRUE(checked.says("quiet hours (midnight to midnight), when texts wait: this one will be sent at midnight"))
        << checked.body;
    EXPECT_TRUE(checked.says("name=\"any_hour\" type=\"checkbox\" value=\"yes\">"));

    auto later = form;
    later.emplace_back("step", "send");
    ASSERT_EQ(b.post("/staff/A12345/links/new", later).status, 303);
    auto now = form;
    now.emplace_back("step", "send");
    now.emplace_back("any_hour", "yes");
    ASSERT_EQ(b.post("/staff/A12345/links/new", now).status, 303);
    const auto texts = queuedMessages(*store, "sms");
    ASSERT_EQ(texts.size(), 2U);
    EXPECT_FALSE(texts[0].anyHour) << "waits for the end of quiet hours";
    EXPECT_TRUE(texts[1].anyHour) << "the patient is waiting for it";
}

TEST_F(ConsolePages, StaffWriteTheTextForThisSendAndSeeItAndItsLengthBeforeItGoes) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    std::vector<std::pair<std::string, std::string>> form{{"csrf", csrf},
                                                          {"rule", "flu"},
                                                          {"nhs_number", kNhsNumber},
                                                          {"date_of_birth", "14/03/1956"},
                                                          {"mobile", "07700 900123"},
                                                          {"name", "Testy"}};
    auto bad = form;
    bad.emplace_back("message", "Hello {{name}}, book at {{when}}");
    bad.emplace_back("step", "preview");
    const auto refused = b.post("/staff/A12345/links/new", bad);
    EXPECT_EQ(refused.status, 422);
    EXPECT_TRUE(refused.says("href=\"#message\""));
    EXPECT_TRUE(refused.says("{{when}}")) << "the unknown placeholder is named";
    auto good = form;
    good.emplace_back("message", "Hello {{name}}, book your jab: {{url}}");
    good.emplace_back("step", "preview");
    const auto preview = b.post("/staff/A12345/links/new", good);
    ASSERT_EQ(preview.status, 200) << preview.body;
    EXPECT_TRUE(preview.says("Hello Testy, book your jab: http"));
    good.back().second = "send";
    const auto sent = b.post("/staff/A12345/links/new", good);
    ASSERT_EQ(sent.status, 303) << sent.body;
    bool ours = false;
    for (const auto& m : queuedMessages(*store, "sms"))
        ours = ours || m.payloadJson.find("Hello Testy, book your jab: http") != std::string::npos;
    EXPECT_TRUE(ours) << "the SMS queued is the text written for this send";
}

TEST_F(ConsolePages, EveryFieldAtFaultIsNamedAtItsFieldAndInTheSummary) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto reply = b.post("/staff/A12345/links/new", {{"csrf", csrf},
                                                          {"step", "preview"},
                                                          {"rule", "flu"},
                                                          {"nhs_number", "999 526 0183"},
                                                          {"date_of_birth", "31/02/1956"},
                                                          {"mobile", "01632 960000"}});
    EXPECT_EQ(reply.status, 422);
    EXPECT_TRUE(reply.says("<title>Error: Send a booking link"));
    EXPECT_TRUE(reply.says("There is a problem"));
    for (const char* field : {"#nhs-number", "#date-of-birth", "#mobile"})
        EXPECT_TRUE(reply.says(std::string("href=\"") + field + "\"")) << field;
    EXPECT_TRUE(reply.says("Not a valid NHS number: the last digit (check digit) is wrong"));
    EXPECT_TRUE(reply.says("Date of birth is not a real date"));
    EXPECT_TRUE(reply.says("Not a UK mobile number (it looks like a landline)"));
    EXPECT_TRUE(reply.says("value=\"999 526 0183\"")) << "what was typed stays in the form";
    EXPECT_EQ(entries("createLink").size(), 1U) << "the refused attempt, as a failure";
}

TEST_F(ConsolePages, TheFormIsCheckedAsItIsFilledInByThePostsOwnCheckAndNothingIsSentOrAudited) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    std::vector<std::pair<std::string, std::string>> form{{"csrf", csrf},
                                                          {"rule", "flu"},
                                                          {"nhs_number", "999 526 0183"},
                                                          {"date_of_birth", "14/03/1956"},
                                                          {"mobile", "07700 900123"},
                                                          {"name", "Testy"},
                                                          {"message", "Hello {{name}}, book your jab: {{url}}"}};
    const auto check = [&b](const std::vector<std::pair<std::string, std::string>>& fields) {
        const auto reply = b.post("/staff/A12345/links/check", fields);
        EXPECT_EQ(reply.status, 200) << reply.body;
        EXPECT_TRUE(reply.header("Content-Type").starts_with("application/json")) << reply.header("Content-Type");
        return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
    };
    const auto wrong = check(form);
    const auto errors = wrong->getArray("errors");
    ASSERT_EQ(errors->size(), 1U) << "only the NHS number is at fault";
    EXPECT_EQ(errors->getObject(0)->getValue<std::string>("field"), "nhs-number") << "named by its id on the page";
    EXPECT_EQ(errors->getObject(0)->getValue<std::string>("message"),
              "Not a valid NHS number: the last digit (check digit) is wrong")
        << "the post's own sentence";
    std::smatch length;
    const auto said = wrong->getValue<std::string>("length");
    ASSERT_TRUE(std::regex_match(said, length, std::regex(R"(1 text message \((\d+) characters\))"))) << said;
    form[2].second = kNhsNumber;
    const auto right = check(form);
    EXPECT_EQ(right->getArray("errors")->size(), 0U);
    form.back().second = std::string(200, 'x') + " {{url}}";
    const auto longer = check(form);
    EXPECT_TRUE(longer->getValue<std::string>("length").starts_with("2 text messages")) << "the count follows the text";
    form.back().second = "Book at {{when}}";
    const auto placeholder = check(form)->getArray("errors");
    ASSERT_EQ(placeholder->size(), 1U);
    EXPECT_EQ(placeholder->getObject(0)->getValue<std::string>("field"), "message");
    form.back().second.clear();
    EXPECT_TRUE(check(form)->getValue<std::string>("length").starts_with("The rule's own text: 1 text message"));
    EXPECT_TRUE(queuedMessages(*store, "sms").empty()) << "a check sends nothing";
    EXPECT_TRUE(entries("previewLink").empty()) << "nor is it audited: nothing changed";

    std::string viewerCsrf;
    auto viewer = signedIn(Role::viewer, viewerCsrf, "Val Viewer");
    form.front().second = viewerCsrf;
    EXPECT_EQ(viewer.post("/staff/A12345/links/check", form).status, 403) << "a viewer cannot send, so cannot check";
    form.front().second = "not-the-token";
    EXPECT_EQ(b.post("/staff/A12345/links/check", form).status, 403) << "the session's CSRF token is needed";
}

TEST_F(ConsolePages, ThePagesRunOnlyTheHubsOwnScriptAndWorkWithoutIt) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto page = b.get("/staff/A12345/links/new");
    ASSERT_EQ(page.status, 200);
    const auto policy = page.header("Content-Security-Policy");
    EXPECT_TRUE(policy.find("script-src 'self';") != std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
    std::smatch script;
    ASSERT_TRUE(
        std::regex_search(page.body, script, std::regex(R"re(<script type="module" src="([^"]+)"></script>)re")));
    EXPECT_EQ(std::regex_search(page.body, std::regex("<script(?! type=\"module\" src=)")), false)
        << "no inline script";
    EXPECT_TRUE(page.says("<form method=\"post\" action=\"/staff/A12345/links/new\" data-check=")) << "a plain post";
    const auto js = b.get(script[1].str());
    ASSERT_EQ(js.status, 200);
    EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_TRUE(js.header("Cache-Control").find("immutable") != std::string::npos) << "its URL carries its version";
    EXPECT_TRUE(js.says("form[data-check]"));
}

TEST_F(ConsolePages, ATelephoneAppointmentShowsTheWindowThePatientWasPromised) {
    std::string csrf;
    auto staff = signedIn(Role::viewer, csrf);
    const auto created = selfBook->createLink("A12345", "calls", {kNhsNumber, "14/03/1956", "07700 900123", "Testy"});
    std::vector<workflows::DayWindow> windows;
    ASSERT_TRUE(selfBook->freeWindows(selfBook->open(created.token), windows).ok());
    ASSERT_FALSE(windows.empty());
    ASSERT_EQ(selfBook->bookWindow(selfBook->open(created.token), windows[0].day, windows[0].label, false).kind,
              workflows::BookOutcome::Kind::booked);
    const auto page = staff.get("/staff/A12345/links/" + created.link.id);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(page.says("at 9am; the patient chose a call between 8am and midday")) << page.body;
}

TEST_F(ConsolePages, ALinksPageListsEveryMessageAboutItWithWhereItStands) {
    std::string csrf;
    auto staff = signedIn(Role::viewer, csrf);
    const auto created = selfBook->createLink("A12345", "flu", {kNhsNumber, "14/03/1956", "07700 900123", "Testy"});
    const auto other = selfBook->createLink("A12345", "flu", {"9990000018", "01/01/1970", "07700 900124", {}});
    const auto before = staff.get("/staff/A12345/links/" + created.link.id);
    ASSERT_EQ(before.status, 200);
    EXPECT_TRUE(before.says("id=\"link-messages\""));
    EXPECT_TRUE(before.says("The invite text message</td><td class=\"nhsuk-table__cell\">Waiting to send"));

    auto patient = browser();
    const auto [slot, patientCsrf] = toReview(patient, created.token);
    ASSERT_EQ(patient.post(at(created.token, "/book"), {{"csrf", patientCsrf}, {"slot", slot}}).status, 303);
    const auto after = staff.get("/staff/A12345/links/" + created.link.id);
    const auto messages = after.body.substr(after.body.find("id=\"link-messages\""));
    EXPECT_TRUE(messages.find(">Text message</td>") != std::string::npos)
        << "the confirmation, queued with the booking";
    const auto about = outbox->aboutLink("A12345", created.link.id);
    ASSERT_GE(about.size(), 2U);
    EXPECT_EQ(about.front().reference, created.link.inviteReference) << "oldest first";
    for (const auto& m : about)
        EXPECT_NE(m.reference, other.link.inviteReference) << "another link's invite is not this link's";
    EXPECT_TRUE(outbox->aboutLink("B99999", created.link.id).empty()) << "nor another organisation's to see";
}

TEST_F(ConsolePages, ExpireLinkThenSendAgainMakesANewLinkAndKeepsTheOldOneExpired) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto first = sendLink(b, csrf);
    ASSERT_FALSE(first.empty());
    const auto expired = b.post("/staff/A12345/links/" + first + "/expire", {{"csrf", csrf}});
    ASSERT_EQ(expired.status, 303) << expired.body;
    auto page = b.get(expired.header("Location"));
    EXPECT_TRUE(page.says(">Expired</strong>"));
    EXPECT_TRUE(page.says("Link expired"));
    EXPECT_FALSE(page.says(">Expire link</button>")) << "an expired link cannot be expired again";
    EXPECT_TRUE(page.says("by Jo Example"));
    EXPECT_EQ(b.post("/staff/A12345/links/" + first + "/expire", {{"csrf", csrf}}).status, 409);

    const auto again = b.post("/staff/A12345/links/" + first + "/resend", {{"csrf", csrf}});
    ASSERT_EQ(again.status, 303) << again.body;
    const auto second = linkIdIn(again.header("Location"));
    ASSERT_FALSE(second.empty());
    EXPECT_NE(second, first);
    EXPECT_EQ(selfBook->find("A12345", second)->state, links::LinkState::sent);
    EXPECT_EQ(selfBook->find("A12345", first)->state, links::LinkState::expired);
    EXPECT_EQ(selfBook->history("A12345", kNhsNumber).size(), 2U);

    // Sending again an open link expires it in the same step.
    const auto third = b.post("/staff/A12345/links/" + second + "/resend", {{"csrf", csrf}});
    ASSERT_EQ(third.status, 303);
    EXPECT_EQ(selfBook->find("A12345", second)->state, links::LinkState::expired);
    ASSERT_EQ(entries("resendLink").size(), 2U);
    EXPECT_EQ(entries("resendLink")[1].detail, "sent again in place of " + second);
    EXPECT_EQ(entries("expireLink").size(), 2U) << "the expiry, and the refused second one";
}

TEST_F(ConsolePages, AViewerSeesNoButtonToChangeAnythingAndTheServerRefusesThemAnyway) {
    std::string staffCsrf;
    auto staffBrowser = signedIn(Role::staff, staffCsrf);
    const auto id = sendLink(staffBrowser, staffCsrf);
    std::string csrf;
    auto viewer = signedIn(Role::viewer, csrf, "Val Viewer");
    const auto page = viewer.get("/staff/A12345/links/" + id);
    ASSERT_EQ(page.status, 200);
    EXPECT_FALSE(page.says("Expire link"));
    EXPECT_FALSE(page.says("Send again"));
    EXPECT_FALSE(viewer.get("/staff/A12345").says("Send a link")) << "nor in the navigation";
    EXPECT_EQ(viewer.get("/staff/A12345/links/new").status, 403);

    const auto refused = viewer.post("/staff/A12345/links/" + id + "/expire", {{"csrf", csrf}});
    EXPECT_EQ(refused.status, 403);
    EXPECT_TRUE(refused.says("needs the staff role"));
    EXPECT_EQ(selfBook->find("A12345", id)->state, links::LinkState::sent);
    const auto trail = entries("expireLink");
    ASSERT_EQ(trail.size(), 1U);
    EXPECT_EQ(trail[0].outcome, audit::Outcome::refused);
    EXPECT_EQ(trail[0].actor.name, "Val Viewer");
}

TEST_F(ConsolePages, AChangeWithoutTheSessionsCsrfTokenIsRefused) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto id = sendLink(b, csrf);
    for (const auto& token : {std::string(), std::string("not-the-token")}) {
        const auto reply = b.post("/staff/A12345/links/" + id + "/expire", {{"csrf", token}});
        EXPECT_EQ(reply.status, 403);
        EXPECT_TRUE(reply.says("This form has expired"));
    }
    EXPECT_EQ(selfBook->find("A12345", id)->state, links::LinkState::sent);
}

TEST_F(ConsolePages, APatientsLinksAreFoundByNhsNumberAndTheLookIsAudited) {
    std::string csrf;
    auto b = signedIn(Role::viewer, csrf);
    newLink();
    newLink("plain");
    const auto found = b.get("/staff/A12345/patients?nhs_number=999+526+0182");
    ASSERT_EQ(found.status, 200) << found.body;
    EXPECT_TRUE(found.says("NHS number 999 526 0182"));
    EXPECT_TRUE(found.says(">Flu vaccination</a>"));
    EXPECT_TRUE(found.says(">Blood test</a>"));
    EXPECT_FALSE(found.says("Send this patient a link")) << "a viewer sends nothing";
    const auto looked = entries("linkHistory");
    ASSERT_EQ(looked.size(), 1U);
    EXPECT_EQ(looked[0].nhsNumber, "9995260182");

    EXPECT_TRUE(b.get("/staff/A12345/patients?nhs_number=9990000018").says("No link has been sent"));
    const auto wrong = b.get("/staff/A12345/patients?nhs_number=12345");
    EXPECT_EQ(wrong.status, 422);
    EXPECT_TRUE(wrong.says("NHS number must be 10 digits"));
}

TEST_F(ConsolePages, TheOrganisationsLinksAreListedFiftyAtATimeAndFiltered) {
    std::string csrf;
    auto b = signedIn(Role::viewer, csrf);
    std::vector<std::string> ids;
    for (int i = 0; i < 55; ++i) {
        clock += 1'000'000; // a second apart, as sent
        ids.push_back(
            selfBook->createLink("A12345", i == 0 ? "plain" : "flu", {"9995260182", "1956-03-14", "07700 900123", {}})
                .link.id);
    }
    ASSERT_TRUE(selfBook->expire("A12345", ids[3]));
    const auto first = b.get("/staff/A12345/links");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_TRUE(first.says(ids[54])) << "newest first";
    EXPECT_FALSE(first.says(ids[4])) << "the 51st newest is on the next page";
    std::smatch next;
    ASSERT_TRUE(std::regex_search(first.body, next, std::regex("href=\"([^\"]*before=[^\"]*)\"")));
    std::string older = next[1].str();
    for (std::string::size_type at; (at = older.find("&amp;")) != std::string::npos;)
        older.replace(at, 5, "&");
    const auto second = b.get(older);
    EXPECT_TRUE(second.says(ids[4]));
    EXPECT_TRUE(second.says(ids[0]));
    EXPECT_FALSE(second.says(ids[5]));

    const auto expired = b.get("/staff/A12345/links?state=expired");
    EXPECT_TRUE(expired.says(ids[3]));
    EXPECT_FALSE(expired.says(ids[2]));
    const auto plain = b.get("/staff/A12345/links?rule=plain");
    EXPECT_TRUE(plain.says(ids[0]));
    EXPECT_FALSE(plain.says(ids[1]));
    const auto wrong = b.get("/staff/A12345/links?from=last+week");
    EXPECT_EQ(wrong.status, 422);
    EXPECT_TRUE(wrong.says("href=\"#from\""));
}

TEST_F(ConsolePages, AFailedMessageIsListedWithItsReasonAndSentAgain) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    newLink();
    const auto claimed = outbox->claim(10, store::nowMicros(), 60'000'000);
    ASSERT_EQ(claimed.size(), 1U);
    outbox->settle({outbox::Outcome::failed(claimed[0].reference, 1, "the provider refused the number")});

    const auto list = b.get("/staff/A12345/messages");
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_TRUE(list.says("Failed (1)"));
    EXPECT_TRUE(list.says("the provider refused the number"));
    EXPECT_TRUE(list.says(claimed[0].reference));
    EXPECT_TRUE(b.get("/staff/A12345").says("See the failed messages"));

    const auto again = b.post("/staff/A12345/messages/" + claimed[0].reference + "/requeue", {{"csrf", csrf}});
    ASSERT_EQ(again.status, 303) << again.body;
    EXPECT_EQ(outbox->find(claimed[0].reference)->state, "queued");
    EXPECT_TRUE(b.get(again.header("Location")).says("There are no failed messages"));
    EXPECT_EQ(b.post("/staff/A12345/messages/" + claimed[0].reference + "/requeue", {{"csrf", csrf}}).status, 409);
    EXPECT_EQ(entries("requeueMessage").front().outcome, audit::Outcome::success);
}

// 53 failed at the same moment: fifty on the first page, three on the second, each once.
TEST_F(ConsolePages, MessagesAreListedFiftyAtATimeWithTheStateKept) {
    std::string csrf;
    auto b = signedIn(Role::viewer, csrf);
    const auto references = queuedAtOnce(*store, 55);
    failAtOnce(*outbox, {references.begin(), references.begin() + 53});

    const auto first = b.get("/staff/A12345/messages?state=failed");
    ASSERT_EQ(first.status, 200) << first.body;
    const auto older = first.href("older-messages");
    ASSERT_FALSE(older.empty()) << first.body;
    EXPECT_NE(older.find("state=failed"), std::string::npos) << "the state is kept on the next page";
    EXPECT_FALSE(first.says("id=\"newest-messages\""));
    const auto second = b.get(older);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_TRUE(second.href("older-messages").empty()) << "the last page";
    EXPECT_FALSE(second.href("newest-messages").empty());
    int onFirst = 0;
    int onSecond = 0;
    for (std::size_t i = 0; i < references.size(); ++i) {
        const bool a = first.says(references[i]);
        const bool c = second.says(references[i]);
        EXPECT_FALSE(a && c) << "on both pages: " << i;
        if (i < 53) {
            EXPECT_TRUE(a || c) << "skipped: " << i;
        }
        if (i >= 53) {
            EXPECT_FALSE(a || c) << "a waiting message among the failed: " << i;
        }
        onFirst += a ? 1 : 0;
        onSecond += c ? 1 : 0;
    }
    EXPECT_EQ(onFirst, 50);
    EXPECT_EQ(onSecond, 3);
    const auto unreadable = b.get("/staff/A12345/messages?state=failed&before=nonsense");
    EXPECT_EQ(unreadable.status, 200) << "a cursor that cannot be read starts from the newest";
    EXPECT_EQ(unreadable.href("older-messages"), older);
}

TEST_F(ConsolePages, TheBookingRulesReadAsTheYamlSetsThem) {
    std::string csrf;
    auto b = signedIn(Role::viewer, csrf);
    const auto rules = b.get("/staff/A12345/rules");
    ASSERT_EQ(rules.status, 200) << rules.body;
    EXPECT_TRUE(rules.says("<h2 class=\"nhsuk-card__heading\">Flu vaccination</h2>"));
    EXPECT_TRUE(rules.says("Seasonal influenza vaccination declined (822931000000100)"));
    EXPECT_TRUE(rules.says("<dd class=\"nhsuk-summary-list__value\">Face to face</dd>"));
    EXPECT_TRUE(rules.says("14 days ahead"));
    EXPECT_TRUE(rules.says("{{practice}}: please book your {{title}} appointment here: {{url}}"));
    EXPECT_TRUE(rules.says("The hub&#39;s standard wording") || rules.says("The hub's standard wording"));
    EXPECT_FALSE(rules.says("Send a link for")) << "a viewer";
}

// ---- Users and keys -------------------------------------------------------------------------------------

TEST_F(ConsolePages, AnAdminInvitesChangesAndRemovesUsersAndIssuesAndRevokesKeys) {
    std::string csrf;
    auto b = signedIn(Role::admin, csrf, "Ada Admin");
    auto page = b.get("/staff/A12345/users");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_TRUE(page.says("Ada Admin"));
    EXPECT_FALSE(page.says("id=\"role-user1@test-surgery.example\"")) << "no form to change one's own role";

    const auto bad = b.post("/staff/A12345/users", {{"csrf", csrf}, {"name", "Sam"}, {"email", "not an email"}});
    EXPECT_EQ(bad.status, 422);
    EXPECT_TRUE(bad.says("href=\"#user-email\""));
    const auto invited =
        b.post("/staff/A12345/users",
               {{"csrf", csrf}, {"name", "Sam Staff"}, {"email", "Sam.Staff@test-surgery.example"}, {"role", "staff"}});
    ASSERT_EQ(invited.status, 303) << invited.body;
    const auto sam = signIn->users().byEmail("sam.staff@test-surgery.example");
    ASSERT_TRUE(sam);
    EXPECT_EQ(sam->roles.at("A12345"), Role::staff);
    EXPECT_EQ(b.post("/staff/A12345/users/" + sam->id + "/role", {{"csrf", csrf}, {"role", "viewer"}}).status, 303);
    EXPECT_EQ(signIn->users().byId(sam->id)->roles.at("A12345"), Role::viewer);
    EXPECT_EQ(b.post("/staff/A12345/users/" + sam->id + "/remove", {{"csrf", csrf}}).status, 303);
    EXPECT_FALSE(signIn->users().byId(sam->id)->roles.contains("A12345"));
    const auto self = signIn->users().byEmail("user1@test-surgery.example");
    const auto selfChange = b.post("/staff/A12345/users/" + self->id + "/role", {{"csrf", csrf}, {"role", "staff"}});
    EXPECT_EQ(selfChange.status, 409);
    EXPECT_TRUE(selfChange.says("An admin cannot change their own role"));

    const auto made = b.post("/staff/A12345/keys", {{"csrf", csrf}, {"name", "Practice system"}, {"role", "viewer"}});
    ASSERT_EQ(made.status, 201) << made.body;
    std::smatch key;
    ASSERT_TRUE(std::regex_search(made.body, key, std::regex("<code id=\"new-key\">([^<]+)</code>")));
    EXPECT_TRUE(signIn->keys().authenticate(key[1].str())) << "the key shown opens the API";
    page = b.get("/staff/A12345/users");
    EXPECT_TRUE(page.says("Practice system"));
    EXPECT_FALSE(page.says(key[1].str())) << "shown once";
    const auto keys = signIn->keys().list("A12345");
    ASSERT_EQ(keys.size(), 1U);
    EXPECT_EQ(b.post("/staff/A12345/keys/" + keys[0].id + "/revoke", {{"csrf", csrf}}).status, 303);
    EXPECT_FALSE(signIn->keys().authenticate(key[1].str()));
    EXPECT_EQ(b.post("/staff/A12345/keys", {{"csrf", csrf}, {"name", ""}, {"role", "staff"}}).status, 422);

    for (const char* action : {"inviteUser", "changeRole", "withdrawRole", "createKey", "revokeKey"})
        EXPECT_FALSE(entries(action).empty()) << action;
    std::string staffCsrf;
    auto staffBrowser = signedIn(Role::staff, staffCsrf);
    EXPECT_EQ(staffBrowser.get("/staff/A12345/users").status, 403);
    EXPECT_FALSE(staffBrowser.get("/staff/A12345").says("Users and keys"));
}

// ---- Batches ---------------------------------------------------------------------------------------------

// A list of `good` patients who can be sent a link, then one whose NHS number's check digit is wrong.
std::string patientList(int good) {
    std::string csv = "NHS Number,Mobile Number,Date of Birth,Name\r\n";
    int made = 0;
    for (int base = 999'100'000; made < good; ++base) {
        const auto digits = std::to_string(base);
        int sum = 0;
        for (int d = 0; d < 9; ++d)
            sum += (digits[d] - '0') * (10 - d);
        const int check = (11 - sum % 11) % 11;
        if (check == 10) continue;
        csv += digits + std::to_string(check) + ",07700 900" + std::to_string(100 + made) + ",1970-01-01,\r\n";
        ++made;
    }
    return csv + "9995260183,07700 900999,1956-03-14,Wrong Check\r\n";
}

class ConsoleBatches : public ConsolePages {
protected:
    // A new batch's page, made through the form.
    std::string newBatch(Browser& b, const std::string& csrf) {
        const auto made = b.post("/staff/A12345/batches/new", {{"csrf", csrf},
                                                               {"rule", "flu"},
                                                               {"message", "{{practice}}: book your jab: {{url}}"},
                                                               {"allow_decline", "yes"}});
        EXPECT_EQ(made.status, 303) << made.body;
        return made.header("Location");
    }
};

TEST_F(ConsoleBatches, ABatchIsMadeUploadedReviewedAndSentFromItsPages) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto page = newBatch(b, csrf);
    ASSERT_TRUE(page.starts_with("/staff/A12345/batches/bat_")) << page;
    auto shown = b.get(page);
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_TRUE(shown.says("Waiting for its list"));
    EXPECT_TRUE(shown.says("1 text message for each patient"));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(shown.body, m, std::regex("action=\"([^\"]*/csv\\?csrf=[^\"]*)\"")));
    const auto uploaded = b.upload(m[1].str(), "csv", "list.csv", patientList(3));
    ASSERT_EQ(uploaded.status, 303) << uploaded.body;
    shown = b.get(uploaded.header("Location"));
    EXPECT_TRUE(shown.says("Ready to send"));
    EXPECT_TRUE(shown.says(">3 patients<"));
    EXPECT_TRUE(shown.says(">1 patient<"));
    EXPECT_TRUE(shown.says("Not a valid NHS number: the last digit (check digit) is wrong"));
    EXPECT_TRUE(shown.says("9995260183, 07700 900999, 1956-03-14, Wrong Check")) << "the row as uploaded";
    EXPECT_TRUE(shown.says("Send to 3 patients"));
    EXPECT_TRUE(b.get("/staff/A12345").says("ready to send to 3")) << "the home page lists it in progress";
    const auto rejected = b.get(page + "/rejected.csv");
    ASSERT_EQ(rejected.status, 200);
    EXPECT_TRUE(rejected.header("Content-Type").starts_with("text/csv"));
    EXPECT_NE(rejected.body.find("\"Wrong Check\""), std::string::npos);

    EXPECT_TRUE(b.get("/staff/A12345").says("ready to send to 3")) << "the home lists it while it is to send";
    const auto sent = b.post(page + "/send", {{"csrf", csrf}});
    ASSERT_EQ(sent.status, 303) << sent.body;
    while (batches->mintPending(100) > 0) {
    }
    EXPECT_FALSE(b.get("/staff/A12345").says("id=\"batches-in-progress\"")) << "and not once it is sent";
    shown = b.get(page);
    EXPECT_TRUE(shown.says(">Sent</strong>"));
    EXPECT_TRUE(shown.says("3 of 3"));
    EXPECT_TRUE(shown.says("/staff/A12345/links/lnk_")) << "each row now links to its link";
    for (const char* action : {"createBatch", "uploadBatchCsv", "sendBatch"}) {
        const auto trail = entries(action);
        ASSERT_EQ(trail.size(), 1U) << action;
        EXPECT_EQ(trail[0].outcome, audit::Outcome::success) << action;
    }
    EXPECT_TRUE(b.get("/staff/A12345/batches").says("Flu vaccination"));
}

TEST_F(ConsoleBatches, ABatchIsScheduledForAUkTimeAndCanBeCancelledUntilItStarts) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto page = newBatch(b, csrf);
    const auto id = page.substr(page.rfind('/') + 1);
    ASSERT_EQ(b.upload(page + "/csv?csrf=" + csrf, "csv", "list.csv", patientList(2)).status, 303);
    const auto tomorrow =
        kit::isoDate(kit::localDate(store::nowMicros() / 1'000'000, kit::Zone::europeLondon) + std::chrono::days(1));
    EXPECT_EQ(b.post(page + "/schedule", {{"csrf", csrf}, {"date", "tomorrow"}, {"time", "09:30"}}).status, 422);
    EXPECT_EQ(b.post(page + "/schedule", {{"csrf", csrf}, {"date", "2020-01-01"}, {"time", "09:30"}}).status, 422)
        << "in the past";
    const auto scheduled = b.post(page + "/schedule", {{"csrf", csrf}, {"date", tomorrow}, {"time", "09:30"}});
    ASSERT_EQ(scheduled.status, 303) << scheduled.body;
    const auto batch = batches->find("A12345", id);
    EXPECT_EQ(batch->state, "scheduled");
    EXPECT_EQ(batch->scheduledFor / 1'000'000,
              kit::toEpoch(std::chrono::sys_days(*kit::parseDate(tomorrow)), 9 * 60 + 30, kit::Zone::europeLondon))
        << "09:30 UK time";
    const auto shown = b.get(page);
    EXPECT_TRUE(shown.says("Scheduled to send on"));
    EXPECT_TRUE(shown.says("at 9:30am"));
    EXPECT_FALSE(shown.says("quiet hours")) << "the test hub has none";
    const auto home = b.get("/staff/A12345");
    EXPECT_TRUE(home.says("to send to 2 on ")) << "the home lists a scheduled batch as in progress";
    EXPECT_TRUE(home.says("/staff/A12345/batches/" + id));
    EXPECT_EQ(b.post(page + "/schedule/cancel", {{"csrf", csrf}}).status, 303);
    EXPECT_EQ(batches->find("A12345", id)->state, "ready");
    EXPECT_EQ(b.post(page + "/schedule/cancel", {{"csrf", csrf}}).status, 409) << "no schedule to cancel";
    EXPECT_EQ(entries("scheduleBatch").back().outcome, audit::Outcome::success) << "after the two refused";
    EXPECT_EQ(entries("cancelBatchSchedule").front().outcome, audit::Outcome::success);
}

TEST_F(ConsoleBatches, AListPagesFiftyRowsAtATime) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto page = newBatch(b, csrf);
    const auto id = page.substr(page.rfind('/') + 1);
    ASSERT_EQ(b.upload(page + "/csv?csrf=" + csrf, "csv", "list.csv", patientList(60)).status, 303);
    const auto first = b.get(page);
    EXPECT_TRUE(first.says(">51</td>")) << "rows 2 to 51";
    EXPECT_FALSE(first.says(">52</td>"));
    std::smatch m;
    ASSERT_TRUE(std::regex_search(first.body, m, std::regex("href=\"([^\"]*can_after=51[^\"]*)\"")));
    const auto second = b.get(m[1].str());
    EXPECT_TRUE(second.says(">52</td>"));
    EXPECT_TRUE(second.says(">61</td>"));
    EXPECT_FALSE(second.says(">51</td>"));
}

TEST_F(ConsoleBatches, AnUploadNeedsTheTokenAndAFileThatReadsAsAList) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto page = newBatch(b, csrf);
    EXPECT_EQ(b.upload(page + "/csv", "csv", "list.csv", patientList(1)).status, 403);
    EXPECT_EQ(b.upload(page + "/csv?csrf=wrong", "csv", "list.csv", patientList(1)).status, 403);
    const auto refused = b.upload(page + "/csv?csrf=" + csrf, "csv", "list.csv", "Surname,Forename\r\nTest,Testy\r\n");
    ASSERT_EQ(refused.status, 303);
    const auto shown = b.get(page);
    EXPECT_TRUE(shown.says("nhsuk-form-group--error"));
    EXPECT_TRUE(shown.says("NHS number")) << "the missing column is named";
    EXPECT_TRUE(shown.says("Waiting for its list"));
    EXPECT_EQ(b.upload(page + "/csv?csrf=" + csrf, "csv", "", "").status, 422) << "no file chosen";
}

TEST_F(ConsoleBatches, AViewerReviewsABatchButCannotUploadOrSend) {
    std::string staffCsrf;
    auto staffBrowser = signedIn(Role::staff, staffCsrf);
    const auto page = newBatch(staffBrowser, staffCsrf);
    ASSERT_EQ(staffBrowser.upload(page + "/csv?csrf=" + staffCsrf, "csv", "list.csv", patientList(2)).status, 303);
    std::string csrf;
    auto viewer = signedIn(Role::viewer, csrf, "Val Viewer");
    const auto shown = viewer.get(page);
    ASSERT_EQ(shown.status, 200);
    EXPECT_TRUE(shown.says("Ready to send"));
    EXPECT_FALSE(shown.says("Send to 2 patients"));
    EXPECT_FALSE(shown.says("Upload a different list"));
    EXPECT_FALSE(viewer.get("/staff/A12345/batches").says("New batch"));
    EXPECT_EQ(viewer.post(page + "/send", {{"csrf", csrf}}).status, 403);
    EXPECT_EQ(batches->find("A12345", page.substr(page.rfind('/') + 1))->state, "ready");
}

// Quiet from 9pm to 10am: a batch scheduled for 9:30am waits till 10.
class ConsoleBatchesInQuietHours : public ConsoleBatches {
protected:
    ConsoleBatchesInQuietHours() { quietHours = R"({from: "21:00", to: "10:00"})"; }
};

TEST_F(ConsoleBatchesInQuietHours, ABatchScheduledInQuietHoursSaysWhenItsTextsWillGo) {
    std::string csrf;
    auto b = signedIn(Role::staff, csrf);
    const auto page = newBatch(b, csrf);
    ASSERT_EQ(b.upload(page + "/csv?csrf=" + csrf, "csv", "list.csv", patientList(2)).status, 303);
    const auto tomorrow =
        kit::localDate(store::nowMicros() / 1'000'000, kit::Zone::europeLondon) + std::chrono::days(1);
    ASSERT_EQ(b.post(page + "/schedule", {{"csrf", csrf}, {"date", kit::isoDate(tomorrow)}, {"time", "09:30"}}).status,
              303);
    const auto shown = b.get(page);
    EXPECT_TRUE(shown.says("at 9:30am. That is in the practice&apos;s quiet hours (9pm to 10am), when no text is sent: "
                           "they will go from " +
                           kit::ukWhenText(kit::toEpoch(tomorrow, 10 * 60, kit::Zone::europeLondon)) + "."))
        << shown.body.substr(shown.body.find("scheduled-for"), 400);
}

} // namespace
} // namespace clinhub::test
