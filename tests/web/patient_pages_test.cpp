// The patient's journeys through /b/{token} over real HTTP: book, reopen, decline, reschedule, and every
// way a link or a request can be refused.
#include "tests/StandsAlone.h"
#include "tests/web/PagesFixture.h"

#include "hub/web/SlotDays.h"

#include <clinhub/kit/UkTime.hpp>

#include <thread>

namespace clinhub::test {
namespace {

using PatientPages = PagesFixture;

// Nothing the hub knows about the patient. (A refused date of birth form shows back what was typed.)
void expectNoPatientData(const Reply& reply, bool typedDateShown = false) {
    for (const char* secret :
         {kName, "Testy", kNhsNumber, "999 526 0182", kDateOfBirth, "14 March 1956", "07700", "+447700"})
        EXPECT_FALSE(reply.says(secret)) << "the page shows " << secret;
    if (!typedDateShown) {
        EXPECT_FALSE(test::standsAlone(reply.body, "1956")) << "the page shows the year of birth";
    }
}

constexpr const char* kCsp = "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; form-action "
                             "'self'; frame-ancestors 'none'; base-uri 'none'";

void expectSecureHeaders(const Reply& reply) {
    EXPECT_EQ(reply.header("Content-Security-Policy"), kCsp);
    EXPECT_EQ(reply.header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(reply.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(reply.header("Cache-Control"), "no-store");
}

// What CSP forbids would silently break the page in a browser.
void expectNoInlineCode(const Reply& reply) {
    EXPECT_FALSE(reply.says("<script")) << reply.body;
    EXPECT_FALSE(reply.says("style=")) << reply.body;
    EXPECT_FALSE(reply.says("<style")) << reply.body;
    EXPECT_FALSE(std::regex_search(reply.body, std::regex(" on[a-z]+="))) << "an inline event handler";
}

TEST_F(PatientPages, WelcomeShowsTheRuleAndPracticeButNothingAboutThePatient) {
    const auto token = newLink();
    Browser b = browser();
    const Reply welcome = b.get(at(token));
    ASSERT_EQ(welcome.status, 200);
    EXPECT_TRUE(welcome.says("<html lang=\"en\">"));
    EXPECT_TRUE(welcome.says("<h1>Flu vaccination</h1>"));
    EXPECT_TRUE(welcome.says("Test Surgery"));
    EXPECT_TRUE(welcome.says("href=\"#maincontent\">Skip to main content</a>"));
    // The practice's text: escaped, in paragraphs, with its address as a link.
    EXPECT_TRUE(welcome.says("<p>Book your &lt;b&gt;flu&lt;/b&gt; jab.</p>"));
    EXPECT_TRUE(welcome.says("<a href=\"https://example.org/flu\">https://example.org/flu</a>."));
    EXPECT_TRUE(
        welcome.says("href=\"/b/" + token + "/verify\" role=\"button\" draggable=\"false\">Continue to book</a>"));
    EXPECT_TRUE(welcome.says("href=\"/b/" + token + "/verify?next=decline\">I do not want this appointment</a>"));
    EXPECT_TRUE(welcome.says("href=\"/assets/nhsuk-frontend.min.css?v="));
    expectNoPatientData(welcome);
    expectSecureHeaders(welcome);
    expectNoInlineCode(welcome);

    const Reply form = b.get(at(token, "/verify"));
    ASSERT_EQ(form.status, 200);
    expectNoPatientData(form);
    for (const char* field : {"dob-day", "dob-month", "dob-year"})
        EXPECT_TRUE(form.says(std::string("id=\"") + field + "\" name=\"" + field + "\"")) << field;
    EXPECT_TRUE(form.says("<label class=\"nhsuk-label nhsuk-date-input__label\" for=\"dob-day\">Day</label>"));
    EXPECT_TRUE(form.says("What is your date of birth?</h1>"));
    EXPECT_TRUE(form.says("name=\"next\" value=\"book\""));
    EXPECT_EQ(b.get(at(token, "/verify?next=decline")).says("name=\"next\" value=\"decline\""), true);
}

TEST_F(PatientPages, ARuleWithoutDeclineOffersNone) {
    const auto token = newLink("plain");
    Browser b = browser();
    const Reply welcome = b.get(at(token));
    ASSERT_EQ(welcome.status, 200);
    EXPECT_TRUE(welcome.says("<h1>Blood test</h1>"));
    EXPECT_FALSE(welcome.says("I do not want this appointment"));
    ASSERT_EQ(verify(b, token, "decline").header("Location"), at(token, "/slots"));
    EXPECT_EQ(b.get(at(token, "/decline")).status, 404);
}

TEST_F(PatientPages, BookingJourneyThenTheLinkOnlyShowsTheAppointment) {
    const auto token = newLink();
    Browser b = browser();
    ASSERT_EQ(b.get(at(token)).status, 200);

    // Wrong, then impossible, then right.
    Reply wrong = b.post(at(token, "/verify"), {{"dob-day", "15"}, {"dob-month", "3"}, {"dob-year", "1956"}});
    EXPECT_EQ(wrong.status, 422);
    EXPECT_TRUE(wrong.says("The date of birth does not match our records"));
    EXPECT_TRUE(wrong.says("<a href=\"#dob-day\">The date of birth does not match our records</a>"));
    EXPECT_TRUE(wrong.says("<title>Error: "));
    EXPECT_TRUE(wrong.cookies.empty());
    expectNoPatientData(wrong, true);
    Reply impossible = b.post(at(token, "/verify"), {{"dob-day", "29"}, {"dob-month", "2"}, {"dob-year", "1957"}});
    EXPECT_EQ(impossible.status, 422);
    EXPECT_TRUE(impossible.says("Enter a real date of birth"));
    EXPECT_TRUE(impossible.says("value=\"29\"")) << "what the patient typed is kept";

    const Reply verified = verify(b, token);
    ASSERT_EQ(verified.status, 303);
    EXPECT_EQ(verified.header("Location"), at(token, "/slots"));
    ASSERT_EQ(verified.cookies.size(), 1u);
    const std::string& cookie = verified.cookies.front();
    EXPECT_TRUE(cookie.starts_with("clinhub_session=")) << cookie;
    for (const std::string& attribute : {"; Path=/b/" + token, std::string("; Max-Age=1800"), std::string("; HttpOnly"),
                                         std::string("; SameSite=Strict"), std::string("; Secure")})
        EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie << " lacks " << attribute;

    const Reply days = b.get(at(token, "/slots"));
    ASSERT_EQ(days.status, 200);
    EXPECT_TRUE(days.says("<h1 class=\"nhsuk-fieldset__heading\">Choose a day</h1>"));
    expectNoInlineCode(days);
    const auto dayValues = radioValues(days, "day");
    ASSERT_FALSE(dayValues.empty());
    EXPECT_LE(dayValues.size(), 7u) << "a week at a time";
    const Reply noDay = b.get(at(token, "/times?week=" + dayValues.front()));
    EXPECT_EQ(noDay.status, 422);
    EXPECT_TRUE(noDay.says("<a href=\"#day\">Choose a day</a>"));
    EXPECT_TRUE(noDay.says("id=\"day\" name=\"day\""));

    const Reply slots = b.get(at(token, "/times?day=" + dayValues.front()));
    ASSERT_EQ(slots.status, 200);
    EXPECT_TRUE(slots.says("<h1 class=\"nhsuk-fieldset__heading\">Choose a time</h1>"));
    EXPECT_TRUE(slots.says("9am – Flu clinic with Nurse Example at Room 1 (10 minutes)"));
    EXPECT_TRUE(slots.says("9:10am – Flu clinic"));
    expectNoInlineCode(slots);
    const auto values = slotValues(slots);
    ASSERT_FALSE(values.empty());
    const std::string csrf = hidden(slots, "csrf");
    ASSERT_FALSE(csrf.empty());

    const Reply none = b.post(at(token, "/slots"), {{"csrf", csrf}, {"day", dayValues.front()}});
    EXPECT_EQ(none.status, 422);
    EXPECT_TRUE(none.says("<a href=\"#slot\">Choose a time</a>"));
    EXPECT_TRUE(none.says("id=\"slot\" name=\"slot\""));

    const Reply chosen = b.post(at(token, "/slots"), {{"csrf", csrf}, {"slot", values.front()}});
    ASSERT_EQ(chosen.status, 303);
    ASSERT_TRUE(chosen.header("Location").starts_with(at(token, "/review?slot=")));

    const Reply review = b.get(chosen.header("Location"));
    ASSERT_EQ(review.status, 200);
    EXPECT_TRUE(review.says("Confirm appointment</button>"));
    EXPECT_TRUE(review.says("Nurse Example"));
    EXPECT_TRUE(review.says("Room 1"));
    EXPECT_EQ(hidden(review, "slot"), values.front());

    const Reply booked = b.post(at(token, "/book"), {{"csrf", hidden(review, "csrf")}, {"slot", values.front()}});
    ASSERT_EQ(booked.status, 303);
    EXPECT_EQ(booked.header("Location"), at(token, "/confirmation"));

    const Reply confirmation = b.get(at(token, "/confirmation"));
    ASSERT_EQ(confirmation.status, 200);
    EXPECT_TRUE(confirmation.says("<h1 class=\"nhsuk-panel__heading\">Appointment booked</h1>"));
    EXPECT_TRUE(confirmation.says("<p>Call 01632 960000 to cancel.</p>"));
    EXPECT_TRUE(confirmation.says("Nurse Example"));

    // Reopened: the appointment, never the booking screens.
    const Reply again = b.get(at(token));
    ASSERT_EQ(again.status, 200);
    EXPECT_TRUE(again.says("<h1>You have already booked this appointment</h1>"));
    EXPECT_TRUE(again.says("href=\"/b/" + token + "/verify?next=appointment\""));
    EXPECT_TRUE(again.says("View your appointment"));
    EXPECT_FALSE(again.says("Continue to book"));
    expectNoPatientData(again);
    EXPECT_EQ(b.get(at(token, "/slots")).header("Location"), at(token, "/appointment"));
    EXPECT_EQ(b.get(at(token, "/review?slot=" + values.back())).header("Location"), at(token, "/appointment"));
    EXPECT_EQ(b.post(at(token, "/book"), {{"csrf", csrf}, {"slot", values.back()}}).header("Location"),
              at(token, "/appointment"));
    const Reply appointment = b.get(at(token, "/appointment"));
    ASSERT_EQ(appointment.status, 200);
    EXPECT_TRUE(appointment.says("<h1>Your appointment</h1>"));
    EXPECT_TRUE(appointment.says("Nurse Example"));
    EXPECT_FALSE(appointment.says("Change appointment")) << "only the manage link changes it";

    // A new browser on the spent link checks the date of birth, then sees the appointment.
    Browser other = browser();
    EXPECT_EQ(verify(other, token).header("Location"), at(token, "/appointment"));
}

TEST_F(PatientPages, DeclineJourney) {
    const auto token = newLink();
    Browser b = browser();
    const Reply verified = verify(b, token, "decline");
    ASSERT_EQ(verified.status, 303);
    ASSERT_EQ(verified.header("Location"), at(token, "/decline"));
    const Reply form = b.get(at(token, "/decline"));
    ASSERT_EQ(form.status, 200);
    EXPECT_TRUE(form.says("<h1>Decline this appointment</h1>"));
    EXPECT_TRUE(form.says("Decline appointment</button>"));

    const Reply declined = b.post(at(token, "/decline"), {{"csrf", hidden(form, "csrf")}});
    ASSERT_EQ(declined.status, 303);
    ASSERT_EQ(declined.header("Location"), at(token, "/declined"));
    const Reply page = b.get(at(token, "/declined"));
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(page.says("<h1>You have declined this appointment</h1>"));
    EXPECT_TRUE(page.says("<p>Thank you for telling us.</p>"));

    EXPECT_TRUE(b.get(at(token)).says("<h1>You have declined this appointment</h1>"));
    EXPECT_EQ(b.get(at(token, "/slots")).header("Location"), at(token, "/declined"));
    EXPECT_EQ(selfBook->find("A12345", selfBook->history("A12345", kNhsNumber).front().id)->state,
              workflows::LinkState::declined);
}

TEST_F(PatientPages, FiveWrongDatesOfBirthLockTheLink) {
    const auto token = newLink();
    Browser b = browser();
    for (int i = 1; i < workflows::SelfBook::kDateOfBirthTries; ++i)
        ASSERT_EQ(b.post(at(token, "/verify"), {{"dob-day", "1"}, {"dob-month", "1"}, {"dob-year", "2000"}}).status,
                  422)
            << "try " << i;
    const Reply locked = b.post(at(token, "/verify"), {{"dob-day", "1"}, {"dob-month", "1"}, {"dob-year", "2000"}});
    EXPECT_EQ(locked.status, 403);
    EXPECT_TRUE(locked.says("<h1>This link has been locked</h1>"));
    EXPECT_TRUE(locked.says("contact the practice"));
    EXPECT_TRUE(locked.cookies.empty());
    // Locked for good: even the right date now opens nothing.
    EXPECT_EQ(verify(b, token).status, 403);
    EXPECT_EQ(b.get(at(token)).status, 403);
    EXPECT_EQ(b.get(at(token, "/verify")).status, 403);
}

class PatientPagesLimited : public PagesFixture {
protected:
    PatientPagesLimited() { dateOfBirthChecksPerHour = 20; } // two at once, then one each three minutes
};

TEST_F(PatientPagesLimited, OneAddressCheckingDatesOfBirthTooOftenIsToldWhenToComeBack) {
    const auto token = newLink();
    Browser b = browser();
    for (int i = 0; i < 2; ++i)
        ASSERT_EQ(b.post(at(token, "/verify"), {{"dob-day", "1"}, {"dob-month", "1"}, {"dob-year", "2000"}}).status,
                  422);
    const Reply limited = verify(b, token);
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.header("Retry-After"), "180");
    EXPECT_TRUE(limited.says("<h1>Too many attempts</h1>")) << limited.body;
    EXPECT_TRUE(limited.says("Try again in 3 minutes."));
    EXPECT_TRUE(limited.cookies.empty()) << "the right date of birth is not even checked";
    expectSecureHeaders(limited);
    const auto link = selfBook->find("A12345", selfBook->open(token).link.id);
    EXPECT_EQ(link->failedDobAttempts, 2) << "a refused check does not count against the link";
}

TEST_F(PatientPages, ExpiredDeletedAndUnknownLinksSaySo) {
    const auto expired = newLink();
    clock += 8LL * 86'400 * 1'000'000;
    const auto created = selfBook->createLink("A12345", "flu", {kNhsNumber, "1956-03-14", "07700 900123", kName});
    const auto deleted = created.token;
    ASSERT_TRUE(selfBook->remove("A12345", created.link.id));
    Browser b = browser();

    const Reply old = b.get(at(expired));
    EXPECT_EQ(old.status, 410);
    EXPECT_TRUE(old.says("<h1>This link has expired</h1>"));
    EXPECT_TRUE(old.says("<p>Ask us for a new link.</p>"));
    EXPECT_EQ(verify(b, expired).status, 410);

    const Reply gone = b.get(at(deleted));
    EXPECT_EQ(gone.status, 410);
    EXPECT_TRUE(gone.says("<h1>This link is no longer valid</h1>"));

    for (const std::string& path : {at("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), at("short"),
                                    at("not%20a%20token%3Cscript%3E"), at("AAAAAAAAAAAAAAAAAAAAAA", "/slots")}) {
        const Reply unknown = b.get(path);
        EXPECT_EQ(unknown.status, 404) << path;
        EXPECT_TRUE(unknown.says("<h1>This link is not valid</h1>")) << path;
        expectSecureHeaders(unknown);
    }
}

TEST_F(PatientPages, StaffExpiringALinkShowsTheExpiredPage) {
    const auto token = newLink();
    ASSERT_TRUE(selfBook->expire("A12345", selfBook->history("A12345", kNhsNumber).front().id));
    Browser b = browser();
    EXPECT_EQ(b.get(at(token)).status, 410);
}

TEST_F(PatientPages, EveryPageAfterTheCheckNeedsTheSession) {
    const auto token = newLink();
    Browser b = browser();
    for (const std::string page :
         {"/slots", "/review?slot=1", "/confirmation", "/appointment", "/decline", "/declined"}) {
        const Reply reply = b.get(at(token, page));
        EXPECT_EQ(reply.status, 303) << page;
        EXPECT_TRUE(reply.header("Location").starts_with(at(token, "/verify"))) << page;
        expectSecureHeaders(reply);
    }
    for (const std::string page : {"/slots", "/book", "/decline"})
        EXPECT_TRUE(b.post(at(token, page), {{"slot", "1"}}).header("Location").starts_with(at(token, "/verify")))
            << page;
    EXPECT_EQ(b.get(at(token, "/decline")).header("Location"), at(token, "/verify?next=decline"));
}

TEST_F(PatientPages, ASessionOpensOnlyItsOwnLink) {
    const auto mine = newLink();
    const auto theirs = newLink();
    Browser b = browser();
    ASSERT_EQ(verify(b, mine).status, 303);
    const std::string session = b.cookie("clinhub_session");
    ASSERT_FALSE(session.empty());
    EXPECT_EQ(b.get(at(mine, "/slots")).status, 200);

    Browser forger = browser();
    forger.forceCookie("clinhub_session", session);
    const Reply reply = forger.get(at(theirs, "/slots"));
    EXPECT_EQ(reply.status, 303);
    EXPECT_EQ(reply.header("Location"), at(theirs, "/verify"));
    forger.forceCookie("clinhub_session", "made-up");
    EXPECT_EQ(forger.get(at(mine, "/slots")).status, 303);
}

TEST_F(PatientPages, FormsWithoutTheSessionsCsrfTokenAreRefused) {
    const auto token = newLink();
    Browser b = browser();
    const auto [slot, csrf] = toReview(b, token);
    ASSERT_FALSE(csrf.empty());
    for (const auto& fields : std::vector<std::vector<std::pair<std::string, std::string>>>{
             {{"slot", slot}}, {{"slot", slot}, {"csrf", ""}}, {{"slot", slot}, {"csrf", csrf + "x"}}}) {
        EXPECT_EQ(b.post(at(token, "/book"), fields).status, 403);
        EXPECT_EQ(b.post(at(token, "/slots"), fields).status, 403);
        EXPECT_EQ(b.post(at(token, "/decline"), fields).status, 403);
    }
    EXPECT_EQ(selfBook->open(token).kind, workflows::Visit::Kind::open) << "nothing was booked or declined";
    EXPECT_EQ(b.post(at(token, "/book"), {{"slot", slot}, {"csrf", csrf}}).status, 303);
}

TEST_F(PatientPages, ASlotTakenMeanwhileSendsThePatientBackToChoose) {
    const auto slow = newLink();
    const auto fast = newLink();
    Browser slowBrowser = browser();
    Browser fastBrowser = browser();
    const auto [slot, slowCsrf] = toReview(slowBrowser, slow);
    const auto [sameSlot, fastCsrf] = toReview(fastBrowser, fast);
    ASSERT_EQ(slot, sameSlot);
    ASSERT_EQ(fastBrowser.post(at(fast, "/book"), {{"csrf", fastCsrf}, {"slot", slot}}).status, 303);

    EXPECT_EQ(slowBrowser.get(at(slow, "/review?slot=" + slot)).header("Location"), at(slow, "/slots?taken=1"));
    const Reply taken = slowBrowser.post(at(slow, "/book"), {{"csrf", slowCsrf}, {"slot", slot}});
    ASSERT_EQ(taken.status, 303);
    ASSERT_EQ(taken.header("Location"), at(slow, "/slots?taken=1"));
    const Reply again = slowBrowser.get(taken.header("Location"));
    EXPECT_EQ(again.status, 200);
    EXPECT_TRUE(again.says("Sorry, that time has just been taken. Choose another time."));
    const auto left = everySlot(slowBrowser, slow);
    EXPECT_EQ(std::find(left.begin(), left.end(), slot), left.end());
}

TEST_F(PatientPages, LosingTheLastFreeSlotIsExplainedOnTheNoAppointmentsPage) {
    const auto slow = newLink();
    const auto fast = newLink();
    Browser slowBrowser = browser();
    Browser fastBrowser = browser();
    const auto [slot, slowCsrf] = toReview(slowBrowser, slow);
    const auto [sameSlot, fastCsrf] = toReview(fastBrowser, fast);
    ASSERT_EQ(slot, sameSlot);
    // Every other slot goes to someone else straight in the book, then the fast patient takes the last.
    auto* book = current->connector("book")->appointmentBook();
    for (const auto& other : everySlot(fastBrowser, fast)) {
        if (other == slot) continue;
        clinhub::Appointment a;
        ASSERT_TRUE(book->book(other, {"9991590838", "1982-11-02", "", "", ""}, "", a).ok());
    }
    ASSERT_EQ(fastBrowser.post(at(fast, "/book"), {{"csrf", fastCsrf}, {"slot", slot}}).status, 303);

    const Reply taken = slowBrowser.post(at(slow, "/book"), {{"csrf", slowCsrf}, {"slot", slot}});
    ASSERT_EQ(taken.header("Location"), at(slow, "/slots?taken=1"));
    const Reply none = slowBrowser.get(taken.header("Location"));
    EXPECT_TRUE(none.says("<h1>There are no appointments available</h1>"));
    EXPECT_TRUE(none.says("Your appointment was not booked"));
    EXPECT_TRUE(none.says("Sorry, that time has just been taken and no other times are left."));
}

TEST_F(PatientPages, TwoTabsConfirmingAtOnceBookOnce) {
    const auto token = newLink();
    Browser b = browser();
    const std::string csrf = toReview(b, token).second; // a plain local: a lambda cannot capture a binding
    const auto values = slotValues(firstDayTimes(b, token));
    ASSERT_GE(values.size(), 2u);
    std::vector<std::string> locations(2);
    std::vector<std::thread> tabs;
    for (int i = 0; i < 2; ++i)
        tabs.emplace_back([&, i] {
            Browser tab = b; // the same cookies
            locations[i] = tab.post(at(token, "/book"), {{"csrf", csrf}, {"slot", values[i]}}).header("Location");
        });
    for (auto& tab : tabs)
        tab.join();
    const auto confirmations = std::count(locations.begin(), locations.end(), at(token, "/confirmation"));
    EXPECT_EQ(confirmations, 1) << locations[0] << " " << locations[1];
    const auto link = selfBook->find("A12345", selfBook->history("A12345", kNhsNumber).front().id);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->appointments.size(), 1u);
}

TEST_F(PatientPages, TheManageLinkShowsTheAppointmentAndChangesIt) {
    const auto token = newLink();
    Browser b = browser();
    const auto [slot, csrf] = toReview(b, token);
    ASSERT_EQ(b.post(at(token, "/book"), {{"csrf", csrf}, {"slot", slot}}).header("Location"),
              at(token, "/confirmation"));
    const std::string manage = manageTokenFromSms();
    ASSERT_FALSE(manage.empty());
    ASSERT_NE(manage, token);

    Browser later = browser();
    const Reply welcome = later.get(at(manage));
    ASSERT_EQ(welcome.status, 200);
    EXPECT_TRUE(welcome.says("<h1>Manage your appointment</h1>"));
    EXPECT_TRUE(welcome.says("href=\"/b/" + manage + "/verify?next=appointment\""));
    expectNoPatientData(welcome);
    ASSERT_EQ(verify(later, manage, "appointment").header("Location"), at(manage, "/appointment"));
    const Reply appointment = later.get(at(manage, "/appointment"));
    ASSERT_EQ(appointment.status, 200);
    EXPECT_TRUE(
        appointment.says("href=\"/b/" + manage + "/slots\" role=\"button\" draggable=\"false\">Change appointment"));

    const Reply slots = firstDayTimes(later, manage);
    ASSERT_EQ(slots.status, 200);
    const auto values = slotValues(slots);
    ASSERT_FALSE(values.empty());
    EXPECT_EQ(std::find(values.begin(), values.end(), slot), values.end()) << "the booked slot is not free";
    const Reply review =
        later.get(later.post(at(manage, "/slots"), {{"csrf", hidden(slots, "csrf")}, {"slot", values.back()}})
                      .header("Location"));
    ASSERT_EQ(review.status, 200);
    const Reply changed = later.post(at(manage, "/book"), {{"csrf", hidden(review, "csrf")}, {"slot", values.back()}});
    ASSERT_EQ(changed.header("Location"), at(manage, "/confirmation"));
    const Reply confirmation = later.get(at(manage, "/confirmation"));
    EXPECT_TRUE(confirmation.says("<h1 class=\"nhsuk-panel__heading\">Appointment changed</h1>"));
    const auto link = selfBook->find("A12345", selfBook->history("A12345", kNhsNumber).front().id);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->state, workflows::LinkState::rescheduled);
    ASSERT_NE(link->currentAppointment(), nullptr);
    EXPECT_EQ(link->currentAppointment()->slot.id, values.back());
}

TEST_F(PatientPages, TheManageLinkCancelsTheAppointmentAfterSayingWhatWillHappen) {
    const auto token = newLink();
    Browser b = browser();
    const auto [slot, csrf] = toReview(b, token);
    ASSERT_EQ(b.post(at(token, "/book"), {{"csrf", csrf}, {"slot", slot}}).header("Location"),
              at(token, "/confirmation"));
    const std::string manage = manageTokenFromSms();
    Browser later = browser();
    ASSERT_EQ(verify(later, manage, "appointment").header("Location"), at(manage, "/appointment"));
    const Reply appointment = later.get(at(manage, "/appointment"));
    EXPECT_TRUE(appointment.says("<a href=\"/b/" + manage + "/cancel\">Cancel this appointment</a>"));
    const Reply form = later.get(at(manage, "/cancel"));
    ASSERT_EQ(form.status, 200);
    EXPECT_TRUE(form.says("<h1>Cancel your appointment</h1>"));
    EXPECT_TRUE(form.says("will offer this appointment to someone else"));
    EXPECT_EQ(later.post(at(manage, "/cancel"), {{"csrf", "wrong"}}).status, 403) << "a cross-site post";
    const Reply done = later.post(at(manage, "/cancel"), {{"csrf", hidden(form, "csrf")}});
    ASSERT_EQ(done.header("Location"), at(manage));
    const Reply cancelled = later.get(at(manage));
    EXPECT_TRUE(cancelled.says("<h1>Your appointment has been cancelled</h1>")) << cancelled.body;
    const auto link = selfBook->find("A12345", selfBook->history("A12345", kNhsNumber).front().id);
    EXPECT_EQ(link->state, workflows::LinkState::cancelled);
    EXPECT_TRUE(later.get(at(manage, "/cancel")).says("<h1>Your appointment has been cancelled</h1>"))
        << "nothing left to cancel: the link says so";
}

TEST_F(PatientPages, DaysComeAWeekAtATimeWithPlainLinksBetweenWeeks) {
    const auto token = newLink();
    Browser b = browser();
    ASSERT_EQ(verify(b, token).status, 303);
    const Reply first = b.get(at(token, "/slots"));
    ASSERT_EQ(first.status, 200);
    EXPECT_FALSE(first.says("rel=\"prev\"")) << "nothing before the first week";
    const std::string next = nextWeek(first);
    ASSERT_FALSE(next.empty()) << "fourteen days of slots span more than one week";
    const Reply later = b.get(at(token, "/slots?week=" + next));
    ASSERT_EQ(later.status, 200);
    EXPECT_TRUE(later.says("Days with appointments in the week beginning " + web::dayText(next) + "."));
    EXPECT_TRUE(later.says("rel=\"prev\""));
    const auto firstDays = radioValues(first, "day");
    const auto laterDays = radioValues(later, "day");
    ASSERT_FALSE(laterDays.empty());
    EXPECT_GT(laterDays.front(), firstDays.back());
    EXPECT_GE(laterDays.front(), next);
    EXPECT_EQ(radioValues(b.get(at(token, "/slots?week=not-a-date")), "day"), firstDays) << "the first week instead";
}

TEST_F(PatientPages, ATelephoneRuleIsBookedAsAWindowOfTheDayAndSaysWhenWeWillCall) {
    const auto token = newLink("calls");
    Browser b = browser();
    ASSERT_EQ(verify(b, token).status, 303);
    const auto days = radioValues(b.get(at(token, "/slots")), "day");
    ASSERT_FALSE(days.empty());
    const Reply windows = b.get(at(token, "/times?day=" + days.front()));
    ASSERT_EQ(windows.status, 200);
    EXPECT_TRUE(windows.says("<h1 class=\"nhsuk-fieldset__heading\">Choose when we should call you</h1>"));
    EXPECT_TRUE(windows.says("Morning, 8am to midday"));
    EXPECT_TRUE(windows.says("Afternoon, midday to 6:30pm"));
    EXPECT_EQ(radioValues(windows, "window"), (std::vector<std::string>{"morning", "afternoon"}));
    EXPECT_TRUE(slotValues(windows).empty()) << "no exact times";
    expectNoInlineCode(windows);

    const std::string csrf = hidden(windows, "csrf");
    const Reply chosen = b.post(at(token, "/slots"), {{"csrf", csrf}, {"day", days.front()}, {"window", "afternoon"}});
    ASSERT_EQ(chosen.status, 303);
    const Reply review = b.get(chosen.header("Location"));
    ASSERT_EQ(review.status, 200);
    EXPECT_TRUE(review.says("We will call you between midday and 6:30pm"));
    EXPECT_TRUE(review.says("By telephone"));
    EXPECT_EQ(hidden(review, "window"), "afternoon");

    const Reply booked = b.post(
        at(token, "/book"),
        {{"csrf", hidden(review, "csrf")}, {"day", hidden(review, "day")}, {"window", hidden(review, "window")}});
    ASSERT_EQ(booked.header("Location"), at(token, "/confirmation"));
    const Reply confirmation = b.get(at(token, "/confirmation"));
    EXPECT_TRUE(confirmation.says("We will call you between midday and 6:30pm on " + web::dayText(days.front(), true)));
    const auto link = selfBook->find("A12345", selfBook->history("A12345", kNhsNumber).front().id);
    ASSERT_NE(link->currentAppointment(), nullptr);
    EXPECT_EQ(web::dayText(days.front()), kit::ukDayText(link->currentAppointment()->slot.start, false));
    EXPECT_NE(link->currentAppointment()->callFrom, 0);
}

TEST_F(PatientPages, AFaceToFaceRuleNeverShowsATelephoneSlot) {
    const auto token = newLink();
    Browser b = browser();
    ASSERT_EQ(verify(b, token).status, 303);
    const Reply times = firstDayTimes(b, token);
    EXPECT_FALSE(times.says("Telephone review"));
    EXPECT_FALSE(times.says("by telephone"));
}

TEST_F(PatientPages, NoFreeSlotsShowsThePracticesText) {
    const auto token = newLink("nothing");
    Browser b = browser();
    ASSERT_EQ(verify(b, token).status, 303);
    const Reply slots = b.get(at(token, "/slots"));
    EXPECT_EQ(slots.status, 200);
    EXPECT_TRUE(slots.says("<h1>There are no appointments available</h1>"));
    EXPECT_TRUE(slots.says("<p>Phone us to book your review.</p>"));
}

TEST_F(PatientPages, AnOversizedOrMalformedRequestGetsAPageNotAStackTrace) {
    const auto token = newLink();
    Browser b = browser();
    const Reply bad = b.get(at(token, "/verify?next=%zz"));
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.header("Content-Type").starts_with("text/html"));
    expectSecureHeaders(bad);
}

} // namespace
} // namespace clinhub::test
