// The staff API over real sockets: auth, organisation scoping, links, history, expiry, slot types.
#include "tests/StandsAlone.h"
#include "tests/api/OpenApiShape.h"
#include "tests/api/StaffApiFixture.h"
#include "tests/cli/HubProcess.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Data/Session.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <regex>
#include <set>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

using StaffApi = StaffApiFixture;

const std::string kA = "/api/v1/organisations/A12345";
const std::string kB = "/api/v1/organisations/B99999";

// Every route, with a method, for organisation `base`, a link id and a body where one is needed.
struct Call {
    std::string method;
    std::string target;
    std::string body;
};
std::vector<Call> everyRoute(const std::string& base, const std::string& linkId) {
    return {{"GET", base + "/slot-types", ""},
            {"POST", base + "/links", linkBody()},
            {"GET", base + "/links?nhs_number=9995260182", ""},
            {"GET", base + "/links/" + linkId, ""},
            {"POST", base + "/links/" + linkId + "/expire", ""},
            {"POST", base + "/links/" + linkId + "/resend", ""},
            {"DELETE", base + "/links/" + linkId, ""},
            {"GET", base + "/messages", ""},
            {"POST", base + "/messages/msg-unknown/requeue", ""}};
}

std::vector<std::pair<std::string, std::string>> fieldErrors(const Reply& reply) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto errors = reply.json()->getArray("errors");
    if (!errors) return out;
    for (std::size_t i = 0; i < errors->size(); ++i) {
        const auto e = errors->getObject(static_cast<unsigned>(i));
        out.emplace_back(e->getValue<std::string>("field"), e->getValue<std::string>("message"));
    }
    return out;
}

std::set<std::string> fieldsOf(const Reply& reply) {
    std::set<std::string> fields;
    for (const auto& [field, message] : fieldErrors(reply)) {
        EXPECT_FALSE(message.empty()) << field;
        fields.insert(field);
    }
    return fields;
}

int countRows(store::Store& store, const std::string& sql) {
    int n = 0;
    auto s = store.session();
    s << sql, into(n), now;
    return n;
}

std::string iso(std::chrono::sys_days day) { return clinhub::kit::isoDate(day); }

std::chrono::sys_days ukToday() {
    return kit::localDate(static_cast<int64_t>(std::time(nullptr)), kit::Zone::europeLondon);
}

// ---- Authentication and scoping ---------------------------------------------------------------------------

TEST_F(StaffApi, EveryRouteNeedsAKey) {
    const auto link = createLink();
    for (const auto& c : everyRoute(kA, link.id)) {
        const auto reply = call(c.method, c.target, "", c.body);
        EXPECT_EQ(reply.status, 401) << c.method << " " << c.target;
        EXPECT_EQ(reply.header("WWW-Authenticate"), R"(Bearer realm="clinhub")") << c.target;
        EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
    }
    EXPECT_EQ(selfBook->find("A12345", link.id)->state, workflows::LinkState::sent) << "nothing was done without a key";
}

TEST_F(StaffApi, ABadOrRevokedKeyIs401) {
    const auto revoked = keys->create("A12345", "leaver");
    ASSERT_TRUE(keys->revoke(revoked.id));
    const std::string forged = "chk_" + std::string(43, 'A');
    for (const auto& key : {forged, std::string("not-a-key"), keyA + "x", revoked.key}) {
        const auto reply = get(kA + "/slot-types", key);
        EXPECT_EQ(reply.status, 401) << key;
        EXPECT_EQ(reply.header("WWW-Authenticate"), R"(Bearer realm="clinhub", error="invalid_token")");
    }
    // Another scheme is no key at all.
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    Poco::Net::HTTPRequest request("GET", kA + "/slot-types", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Basic " + keyA);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    EXPECT_EQ(response.getStatus(), 401);
}

TEST_F(StaffApi, AKeyRevokedOrExpiredIsRefusedFromItsNextRequest) {
    constexpr int64_t day = int64_t{24} * 3600 * 1'000'000;
    const int64_t twoDaysAgo = store::nowMicros() - 2 * day;
    const auto lapsed = staff::ApiKeys(*store, [&] { return twoDaysAgo; }).create("A12345", "contractor", day);
    const auto current = keys->create("A12345", "leaver", day);
    EXPECT_EQ(get(kA + "/slot-types", current.key).status, 200) << "not expired yet";
    const auto expired = get(kA + "/slot-types", lapsed.key);
    EXPECT_EQ(expired.status, 401) << "expired yesterday";
    EXPECT_EQ(expired.header("WWW-Authenticate"), R"(Bearer realm="clinhub", error="invalid_token")");

    // Revoked by the operator's command, another process, while the API is serving.
    std::ofstream(dir.file("cli.yaml")) << "hub:\n  store: \"" + db.url() +
                                               "\"\norganisations:\n  A12345:\n    name: Test Surgery\n    route: {}\n";
    const auto revoked = runClinhub({"keys", "revoke", "--config", dir.file("cli.yaml"), current.id}, dir);
    ASSERT_EQ(revoked.exitCode, 0) << revoked.err;
    EXPECT_EQ(get(kA + "/slot-types", current.key).status, 401);
    EXPECT_EQ(get(kA + "/slot-types", keyA).status, 200) << "only that key";
}

TEST_F(StaffApi, TheBearerSchemeIsCaseInsensitive) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    Poco::Net::HTTPRequest request("GET", kA + "/slot-types", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "bearer " + keyA);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    EXPECT_EQ(response.getStatus(), 200);
}

// A key for A asking about B gets what it would get for an organisation that does not exist.
TEST_F(StaffApi, AnotherOrganisationIsNotFoundForEveryResource) {
    const auto linkOfB = createLink(); // a link of A, looked for under B
    const std::string unknown = "/api/v1/organisations/Z00000";
    const auto other = everyRoute(kB, linkOfB.id);
    const auto nowhere = everyRoute(unknown, linkOfB.id);
    for (std::size_t i = 0; i < other.size(); ++i) {
        const auto toB = call(other[i].method, other[i].target, keyA, other[i].body);
        const auto toNowhere = call(nowhere[i].method, nowhere[i].target, keyA, nowhere[i].body);
        EXPECT_EQ(toB.status, 404) << other[i].method << " " << other[i].target;
        EXPECT_EQ(toNowhere.status, 404) << nowhere[i].target;
        auto b = toB.json();
        auto z = toNowhere.json();
        b->remove("request_id");
        z->remove("request_id");
        std::ostringstream bText, zText;
        b->stringify(bText);
        z->stringify(zText);
        EXPECT_EQ(bText.str(), zText.str()) << "B's existence must not show";
        EXPECT_EQ(toB.header("Content-Type"), toNowhere.header("Content-Type"));
    }
    EXPECT_EQ(countRows(*store, "SELECT COUNT(*) FROM links WHERE organisation = 'B99999'"), 0);
}

TEST_F(StaffApi, AnotherOrganisationsLinkIsNotFoundUnderOurOwn) {
    const auto link = createLink(); // A's
    for (const auto& c : everyRoute(kB, link.id)) {
        if (c.target.find("/links/") == std::string::npos) continue;
        const auto reply = call(c.method, c.target, keyB, c.body);
        EXPECT_EQ(reply.status, 404) << c.method << " " << c.target;
        EXPECT_EQ(reply.json()->getValue<std::string>("detail"), "no such link");
    }
    const auto history = get(kB + "/links?nhs_number=9995260182", keyB);
    ASSERT_EQ(history.status, 200);
    EXPECT_EQ(history.json()->getArray("links")->size(), 0U);
    EXPECT_EQ(selfBook->find("A12345", link.id)->state, workflows::LinkState::sent)
        << "B could not expire or delete it";
}

TEST_F(StaffApi, AnUnknownLinkIsNotFound) {
    for (const auto& c : everyRoute(kA, "lnk_nothing")) {
        if (c.target.find("/links/") == std::string::npos) continue;
        const auto reply = call(c.method, c.target, keyA, c.body);
        EXPECT_EQ(reply.status, 404) << c.method << " " << c.target;
        EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
    }
}

// ---- Creating links ---------------------------------------------------------------------------------------

TEST_F(StaffApi, CreatingALinkQueuesItsInviteAndSaysWhereItIs) {
    const auto before = std::time(nullptr);
    const auto reply = post(kA + "/links", keyA, linkBody());
    ASSERT_EQ(reply.status, 201) << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
    EXPECT_EQ(reply.header("Cache-Control"), "no-store") << "the reply carries the patient's link";
    const auto json = reply.json();
    const auto id = json->getValue<std::string>("id");
    const auto url = json->getValue<std::string>("url");
    EXPECT_TRUE(id.starts_with("lnk_")) << id;
    EXPECT_TRUE(url.starts_with("https://clinhub.example.test/b/")) << url;
    EXPECT_EQ(json->getValue<std::string>("status"), "sent");
    EXPECT_EQ(reply.header("Location"), kA + "/links/" + id);

    const auto expires = json->getValue<std::string>("expires_at");
    ASSERT_TRUE(std::regex_match(expires, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << expires;
    std::tm tm{};
    strptime(expires.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const auto expiresAt = timegm(&tm);
    EXPECT_GE(expiresAt, before + 7 * 86400 - 1);
    EXPECT_LE(expiresAt, std::time(nullptr) + 7 * 86400);

    // The invite is in the outbox, queued, and is the message the link names: written together.
    auto s = store->session();
    std::string reference, state, channel, invite;
    std::string linkId = id;
    s << "SELECT o.reference, o.state, o.channel, l.invite_reference FROM outbox o JOIN links l "
         "ON l.invite_reference = o.reference WHERE l.id = ?",
        use(linkId), into(reference), into(state), into(channel), into(invite), now;
    const std::string payload = outbox::Outbox(*store).find(reference).value_or(outbox::Message{}).payloadJson;
    EXPECT_EQ(reference, invite);
    EXPECT_EQ(state, "queued");
    EXPECT_EQ(channel, "sms");
    EXPECT_NE(payload.find(url), std::string::npos) << "the SMS carries the link";
    EXPECT_NE(payload.find("+447700900123"), std::string::npos);
    EXPECT_EQ(countRows(*store, "SELECT COUNT(*) FROM outbox"), 1);

    const auto shown = get(reply.header("Location"), keyA);
    ASSERT_EQ(shown.status, 200) << shown.body;
    EXPECT_EQ(shown.json()->getValue<std::string>("id"), id);
}

// A link's body with the invite SMS staff chose for it.
std::string linkBodyWith(const std::string& message) {
    auto body = Poco::JSON::Parser().parse(linkBody()).extract<Poco::JSON::Object::Ptr>();
    body->set("message", message);
    std::ostringstream out;
    body->stringify(out);
    return out.str();
}

TEST_F(StaffApi, ALinkSendsTheMessageStaffChoseWithItsLinkAndSaysHowManyFragments) {
    const auto reply = post(kA + "/links", keyA, linkBodyWith("{{practice}}: {{name}}, your jab: {{url}}"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto url = reply.json()->getValue<std::string>("url");
    EXPECT_EQ(reply.json()->getValue<int>("sms_fragments"), 1);
    const auto sms = queuedMessages(*store, "sms");
    ASSERT_EQ(sms.size(), 1U);
    EXPECT_NE(sms.front().payloadJson.find("Test Surgery: Testy, your jab: " + url), std::string::npos)
        << sms.front().payloadJson;

    // 180 characters with the link: two fragments.
    const auto longer = post(kA + "/links", keyA, linkBodyWith(std::string(100, 'a') + " {{url}}"));
    ASSERT_EQ(longer.status, 201) << longer.body;
    EXPECT_EQ(longer.json()->getValue<int>("sms_fragments"), 2);
    // The rule's own invite when staff give none.
    EXPECT_EQ(post(kA + "/links", keyA, linkBody()).json()->getValue<int>("sms_fragments"), 1);
}

TEST_F(StaffApi, AMessageThatCannotBeSentIs422NamingTheProblem) {
    struct Case {
        std::string message, says;
    };
    const std::vector<Case> cases{
        {"Book: {{url}} {{nhs_number}}", "unknown placeholder '{{nhs_number}}' at character 15"},
        {"{{practice}}: please ring us to book", "must include {{url}}"},
        {std::string(3000, 'a') + " {{url}}",
         "characters with its link; the most this organisation's SMS connectors can carry is"},
        {std::string(5000, 'a'), "a message template is at most 4096"},
    };
    for (const auto& c : cases) {
        const auto reply = post(kA + "/links", keyA, linkBodyWith(c.message));
        ASSERT_EQ(reply.status, 422) << reply.body;
        const auto errors = fieldErrors(reply);
        ASSERT_EQ(errors.size(), 1U) << reply.body;
        EXPECT_EQ(errors.front().first, "message");
        EXPECT_NE(errors.front().second.find(c.says), std::string::npos) << errors.front().second;
    }
    EXPECT_EQ(countRows(*store, "SELECT COUNT(*) FROM links"), 0);
    EXPECT_EQ(countRows(*store, "SELECT COUNT(*) FROM outbox"), 0);
}

TEST_F(StaffApi, BadPatientDetailsAreListedFieldByField) {
    struct Case {
        std::string nhs, dob, mobile, rule;
        std::set<std::string> fields;
    };
    const std::string tomorrow = iso(ukToday() + std::chrono::days(1));
    const std::vector<Case> cases{
        // docs/domain.md's invalid NHS numbers: wrong check, check of 10, wrong shape.
        {"9995260183", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"9990000010", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"9990000000", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"9999378650", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"999526018", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"99952601822", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"TP12345678", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        {"", "1956-03-14", "07700900123", "flu", {"patient.nhs_number"}},
        // Mobiles: too long, too short, landlines, bad characters, international.
        {"9995260182", "1956-03-14", "0770090012310", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", "0770090012", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", "00447700900", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", "0117 496 0860", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", "020 7946 0991", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", "07700x900123", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", R"(07";DROP TABLE;")", "flu", {"patient.mobile"}},
        {"9995260182", "1956-03-14", "+12025550104", "flu", {"patient.mobile"}},
        // Dates of birth: impossible, in the future, two-digit year.
        {"9995260182", "2023-02-29", "07700900123", "flu", {"patient.date_of_birth"}},
        {"9995260182", "31/04/1980", "07700900123", "flu", {"patient.date_of_birth"}},
        {"9995260182", tomorrow, "07700900123", "flu", {"patient.date_of_birth"}},
        {"9995260182", "14/03/56", "07700900123", "flu", {"patient.date_of_birth"}},
        // A rule the organisation lacks, and everything wrong at once.
        {"9995260182", "1956-03-14", "07700900123", "covid", {"rule"}},
        {"9995260183",
         "2023-02-29",
         "0117 496 0860",
         "",
         {"rule", "patient.nhs_number", "patient.date_of_birth", "patient.mobile"}},
    };
    for (const auto& c : cases) {
        const auto reply = post(kA + "/links", keyA, linkBody(c.nhs, c.dob, c.mobile, c.rule));
        ASSERT_EQ(reply.status, 422) << c.nhs << " " << c.dob << " " << c.mobile << " " << c.rule << ": " << reply.body;
        EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
        EXPECT_EQ(fieldsOf(reply), c.fields) << reply.body;
    }
    EXPECT_EQ(countRows(*store, "SELECT COUNT(*) FROM links"), 0);
    EXPECT_EQ(countRows(*store, "SELECT COUNT(*) FROM outbox"), 0) << "no SMS for a refused link";
}

TEST_F(StaffApi, EveryValidMobileFormIsAccepted) {
    for (const auto* mobile : {"07700900123", "07700-900-123", "7700900123", "00447700900123", "00 44 7700900123",
                               "+447700900123", "+44 (0)7700 900 123"}) {
        const auto reply = post(kA + "/links", keyA, linkBody("9995260182", "19560314", mobile));
        EXPECT_EQ(reply.status, 201) << mobile << ": " << reply.body;
    }
    const auto history = get(kA + "/links?nhs_number=9995260182", keyA).json()->getArray("links");
    ASSERT_EQ(history->size(), 7U);
    for (std::size_t i = 0; i < history->size(); ++i)
        EXPECT_EQ(history->getObject(static_cast<unsigned>(i))->getObject("patient")->getValue<std::string>("mobile"),
                  "+447700900123");
}

TEST_F(StaffApi, ABodyThatIsNotJsonIs400) {
    for (const auto* body : {"{not json", "[1, 2]", ""}) {
        const auto reply = post(kA + "/links", keyA, body);
        EXPECT_EQ(reply.status, 400) << body;
        EXPECT_EQ(reply.header("Content-Type"), "application/problem+json");
    }
}

TEST_F(StaffApi, FieldsOfTheWrongTypeAre422) {
    auto reply = post(kA + "/links", keyA, R"({"rule": 7, "patient": {"nhs_number": 9995260182}})");
    ASSERT_EQ(reply.status, 422) << reply.body;
    EXPECT_EQ(fieldsOf(reply), (std::set<std::string>{"rule", "patient.nhs_number"}));
    reply = post(kA + "/links", keyA, R"({"rule": "flu", "patient": "9995260182"})");
    ASSERT_EQ(reply.status, 422) << reply.body;
    EXPECT_EQ(fieldsOf(reply), (std::set<std::string>{"patient"}));
    reply = post(kA + "/links", keyA, R"({"rule": "flu"})");
    ASSERT_EQ(reply.status, 422) << reply.body;
    EXPECT_TRUE(fieldsOf(reply).contains("patient.nhs_number")) << reply.body;
}

// ---- History ----------------------------------------------------------------------------------------------

TEST_F(StaffApi, HistoryShowsEveryLinkWithItsEventsAndAppointments) {
    const auto older = createLink();
    const auto newer = createLink();
    selfBook->open(newer.token);
    std::vector<Slot> slots;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(newer.token), slots).ok());
    ASSERT_GE(slots.size(), 2U);
    ASSERT_EQ(selfBook->book(selfBook->open(newer.token), slots[0].id).kind, workflows::BookOutcome::Kind::booked);
    ASSERT_EQ(selfBook->reschedule(selfBook->open(newer.token), slots[1].id).kind,
              workflows::BookOutcome::Kind::booked);
    ASSERT_EQ(post(kA + "/links/" + older.id + "/expire", keyA).status, 200);

    const auto reply = get(kA + "/links?nhs_number=999%20526%200182", keyA);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto links = reply.json()->getArray("links");
    ASSERT_EQ(links->size(), 2U);

    const auto booked = links->getObject(0);
    EXPECT_EQ(booked->getValue<std::string>("id"), newer.id) << "newest first";
    EXPECT_EQ(booked->getValue<std::string>("rule"), "flu");
    EXPECT_EQ(booked->getValue<std::string>("status"), "rescheduled");
    EXPECT_EQ(booked->getValue<int>("failed_dob_attempts"), 0);
    std::vector<std::string> events;
    const auto eventList = booked->getArray("events");
    for (std::size_t i = 0; i < eventList->size(); ++i) {
        const auto e = eventList->getObject(static_cast<unsigned>(i));
        events.push_back(e->getValue<std::string>("event"));
        EXPECT_TRUE(std::regex_match(e->getValue<std::string>("at"), std::regex(R"(\d{4}-.*T.*Z)")));
    }
    EXPECT_EQ(events.front(), "sent");
    EXPECT_NE(std::find(events.begin(), events.end(), "accessed"), events.end());
    EXPECT_NE(std::find(events.begin(), events.end(), "booked"), events.end());
    EXPECT_EQ(events.back(), "rescheduled");

    const auto appointment = booked->getObject("appointment");
    ASSERT_TRUE(appointment);
    EXPECT_EQ(appointment->getValue<std::string>("slot_id"), slots[1].id);
    EXPECT_EQ(appointment->getValue<std::string>("slot_type"), "Flu clinic");
    EXPECT_EQ(appointment->getValue<std::string>("clinician"), "Nurse Example");
    EXPECT_EQ(appointment->getValue<std::string>("state"), "booked");
    EXPECT_FALSE(appointment->has("call_window")) << "an exact time, not a telephone window";
    const auto appointments = booked->getArray("appointment_history");
    ASSERT_EQ(appointments->size(), 2U);
    EXPECT_EQ(appointments->getObject(0)->getValue<std::string>("slot_id"), slots[0].id);
    EXPECT_EQ(appointments->getObject(0)->getValue<std::string>("state"), "replaced");

    const auto expired = links->getObject(1);
    EXPECT_EQ(expired->getValue<std::string>("status"), "expired");
    EXPECT_TRUE(expired->isNull("appointment"));
    EXPECT_EQ(expired->getArray("appointment_history")->size(), 0U);
    EXPECT_EQ(expired->getArray("events")->getObject(1)->getValue<std::string>("event"), "expired");

    EXPECT_EQ(reply.body.find("1956-03-14"), std::string::npos) << "the date of birth stays out of replies";
}

TEST_F(StaffApi, HistoryNeedsAValidNhsNumber) {
    for (const std::string query : {"?nhs_number=", "?nhs_number=9995260183", "?nhs_number=TP12345678"}) {
        const auto reply = get(kA + "/links" + query, keyA);
        ASSERT_EQ(reply.status, 422) << query << ": " << reply.body;
        EXPECT_EQ(fieldsOf(reply), (std::set<std::string>{"nhs_number"})) << reply.body;
    }
    const auto none = get(kA + "/links?nhs_number=9991590838", keyA);
    ASSERT_EQ(none.status, 200);
    EXPECT_EQ(none.json()->getArray("links")->size(), 0U);
}

// ---- Expiring and deleting --------------------------------------------------------------------------------

// Expiring is a one-way change of state: the first time it happens, after that there is nothing to do.
TEST_F(StaffApi, ALinkExpiresOnceThenConflicts) {
    const auto link = createLink();
    const auto first = post(kA + "/links/" + link.id + "/expire", keyA);
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.json()->getValue<std::string>("status"), "expired");
    EXPECT_EQ(selfBook->open(link.token).kind, workflows::Visit::Kind::expired) << "the patient is told";

    const auto second = post(kA + "/links/" + link.id + "/expire", keyA);
    EXPECT_EQ(second.status, 409) << second.body;
    EXPECT_EQ(second.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(second.json()->getValue<std::string>("detail"), "the link is expired and cannot be expired");
}

TEST_F(StaffApi, SendingALinkAgainMakesANewOneAndExpiresTheOldOneIfItWasOpen) {
    const auto link = createLink();
    const auto reply = post(kA + "/links/" + link.id + "/resend", keyA);
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto id = reply.json()->getValue<std::string>("id");
    EXPECT_NE(id, link.id);
    EXPECT_EQ(reply.header("Location"), kA + "/links/" + id);
    EXPECT_EQ(selfBook->open(link.token).kind, workflows::Visit::Kind::expired) << "the old link stops working";
    const auto fresh = get(kA + "/links/" + id, keyA).json();
    EXPECT_EQ(fresh->getValue<std::string>("status"), "sent");
    EXPECT_EQ(fresh->getObject("patient")->getValue<std::string>("nhs_number"), "9995260182");
    EXPECT_EQ(fresh->getValue<std::string>("rule"), "flu");
    EXPECT_EQ(get(kA + "/links?nhs_number=9995260182", keyA).json()->getArray("links")->size(), 2U);
    // A link already used stays as it was.
    EXPECT_EQ(post(kA + "/links/" + link.id + "/resend", keyA).status, 201);
    EXPECT_EQ(get(kA + "/links/" + link.id, keyA).json()->getValue<std::string>("status"), "expired");
}

TEST_F(StaffApi, TheOrganisationsLinksAreListedNewestFirstAPageAtATimeByStateRuleAndDay) {
    std::vector<std::string> made;
    for (int i = 0; i < 5; ++i)
        made.push_back(createLink().id);
    ASSERT_EQ(post(kA + "/links/" + made[1] + "/expire", keyA).status, 200);
    std::vector<std::string> seen;
    std::string next = kA + "/links?limit=2";
    for (int pages = 0; !next.empty(); ++pages) {
        ASSERT_LT(pages, 4);
        const auto page = get(next, keyA);
        ASSERT_EQ(page.status, 200) << page.body;
        const auto links = page.json()->getArray("links");
        for (std::size_t i = 0; i < links->size(); ++i)
            seen.push_back(links->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
        const auto before = page.json()->get("next_before");
        next = before.isEmpty() ? std::string() : kA + "/links?limit=2&before=" + before.convert<std::string>();
    }
    EXPECT_EQ(seen, (std::vector<std::string>{made[4], made[3], made[2], made[1], made[0]}));
    const auto full = get(kA + "/links?limit=5", keyA);
    EXPECT_EQ(full.json()->getArray("links")->size(), 5U);
    EXPECT_TRUE(full.json()->get("next_before").isEmpty()) << "exactly one full page: no next";
    const auto unknown = get(kA + "/links?before=lnk_nobody", keyA);
    EXPECT_EQ(unknown.status, 422);
    EXPECT_NE(unknown.body.find("\"before\""), std::string::npos) << unknown.body;
    EXPECT_EQ(get("/api/v1/organisations/B99999/links?before=" + made[0], keyB).status, 422)
        << "another organisation's link is no place to start";
    const auto expired = get(kA + "/links?state=expired", keyA).json()->getArray("links");
    ASSERT_EQ(expired->size(), 1U);
    EXPECT_EQ(expired->getObject(0)->getValue<std::string>("id"), made[1]);
    EXPECT_EQ(get(kA + "/links?state=sent", keyA).json()->getArray("links")->size(), 4U);
    EXPECT_EQ(get(kA + "/links?rule=plain", keyA).json()->getArray("links")->size(), 0U);
    EXPECT_EQ(get(kA + "/links?from=2000-01-01&to=2000-01-02", keyA).json()->getArray("links")->size(), 0U);
    EXPECT_EQ(get("/api/v1/organisations/B99999/links", keyB).json()->getArray("links")->size(), 0U);
    EXPECT_EQ(get(kA + "/links?from=yesterday", keyA).status, 422);
}

TEST_F(StaffApi, ABookedLinkCannotBeExpired) {
    const auto link = createLink();
    std::vector<Slot> slots;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(link.token), slots).ok());
    ASSERT_EQ(selfBook->book(selfBook->open(link.token), slots.at(0).id).kind, workflows::BookOutcome::Kind::booked);
    const auto reply = post(kA + "/links/" + link.id + "/expire", keyA);
    EXPECT_EQ(reply.status, 409) << reply.body;
    EXPECT_EQ(get(kA + "/links/" + link.id, keyA).json()->getValue<std::string>("status"), "booked");
}

TEST_F(StaffApi, DeletingALinkIs204AndKeepsItInTheHistory) {
    const auto link = createLink();
    const auto reply = call("DELETE", kA + "/links/" + link.id, keyA);
    EXPECT_EQ(reply.status, 204) << reply.body;
    EXPECT_TRUE(reply.body.empty());
    EXPECT_EQ(selfBook->open(link.token).kind, workflows::Visit::Kind::deleted);

    const auto shown = get(kA + "/links/" + link.id, keyA);
    ASSERT_EQ(shown.status, 200);
    EXPECT_EQ(shown.json()->getValue<std::string>("status"), "deleted");
    EXPECT_EQ(call("DELETE", kA + "/links/" + link.id, keyA).status, 409) << "already deleted";
    EXPECT_EQ(post(kA + "/links/" + link.id + "/expire", keyA).status, 409);
}

// ---- Slot types -------------------------------------------------------------------------------------------

TEST_F(StaffApi, SlotTypesListsWhatTheBookHas) {
    const auto reply = get(kA + "/slot-types", keyA);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto json = reply.json();
    const auto types = json->getArray("slot_types");
    ASSERT_EQ(types->size(), 2U) << reply.body;
    EXPECT_EQ(types->getElement<std::string>(0), "Asthma review");
    EXPECT_EQ(types->getElement<std::string>(1), "Flu clinic");
    EXPECT_EQ(json->getValue<std::string>("from"), iso(ukToday()));
    EXPECT_EQ(json->getValue<std::string>("to"), iso(ukToday() + std::chrono::days(42)));
}

TEST_F(StaffApi, SlotTypesKeepsToTheDaysAsked) {
    // Slots start tomorrow; Asthma review is on Mondays only, so a Tuesday has Flu clinic alone.
    auto day = ukToday() + std::chrono::days(1);
    while (std::chrono::weekday(day) != std::chrono::Tuesday)
        day += std::chrono::days(1);
    const auto reply = get(kA + "/slot-types?from=" + iso(day) + "&to=" + iso(day), keyA);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto types = reply.json()->getArray("slot_types");
    ASSERT_EQ(types->size(), 1U) << reply.body;
    EXPECT_EQ(types->getElement<std::string>(0), "Flu clinic");

    const auto past = get(kA + "/slot-types?from=2001-01-01&to=2001-01-31", keyA);
    ASSERT_EQ(past.status, 200);
    EXPECT_EQ(past.json()->getArray("slot_types")->size(), 0U);
}

TEST_F(StaffApi, SlotTypesRefusesBadDates) {
    const std::vector<std::pair<std::string, std::set<std::string>>> cases{
        {"?from=2026-02-30", {"from"}},
        {"?from=tomorrow", {"from"}},
        {"?to=01/02/2026", {"to"}},
        {"?from=2026-03-10&to=2026-03-09", {"to"}},
        {"?from=2026-01-01&to=2028-01-01", {"to"}},
    };
    for (const auto& [query, fields] : cases) {
        const auto reply = get(kA + "/slot-types" + query, keyA);
        ASSERT_EQ(reply.status, 422) << query << ": " << reply.body;
        EXPECT_EQ(fieldsOf(reply), fields) << query;
    }
}

// ---- Logging ----------------------------------------------------------------------------------------------

// The log (stderr, every thread) names links and routes, never the patient, even when a request is refused.
TEST_F(StaffApi, NothingAboutThePatientIsLogged) {
    ::testing::internal::CaptureStderr();
    const auto link = createLink();
    post(kA + "/links", keyA, linkBody("9995260183", "1956-03-14", "0117 496 0860"));
    get(kA + "/links?nhs_number=9995260182", keyA);
    get(kA + "/links/" + link.id, keyA);
    post(kA + "/links/" + link.id + "/expire", keyA);
    get(kA + "/slot-types", "chk_" + std::string(43, 'x'));
    const auto logged = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(logged.find(link.id), std::string::npos) << "the log does name the link";
    for (const auto* secret : {"9995260182", "995260183", "7700900123", "7700 900123", "496 0860", "Testy",
                               link.token.c_str(), keyA.c_str(), "xxxxxxxx"})
        EXPECT_EQ(logged.find(secret), std::string::npos) << secret << " in:\n" << logged;
    EXPECT_FALSE(test::standsAlone(logged, "1956")) << "the year of birth in:\n" << logged;
}

// ---- The document ---------------------------------------------------------------------------------------

// Each kind of reply, as served, against its schema in openapi.yaml: a member added to one and not the
// other fails here.
TEST_F(StaffApi, RepliesMatchTheOpenApiSchemas) {
    const OpenApiShape shape(CLINHUB_OPENAPI);
    auto expect = [&](const Reply& reply, int status, const std::string& schema) {
        ASSERT_EQ(reply.status, status) << reply.body;
        const auto problems = shape.check(Poco::JSON::Parser().parse(reply.body), schema);
        for (const auto& p : problems)
            ADD_FAILURE() << schema << ": " << p << "\nin " << reply.body;
    };
    const auto created = post(kA + "/links", keyA, linkBody());
    expect(created, 201, "CreatedLink");
    const auto token = created.json()->getValue<std::string>("url").substr(
        created.json()->getValue<std::string>("url").rfind('/') + 1);
    const auto id = created.json()->getValue<std::string>("id");
    selfBook->open(token);
    std::vector<Slot> slots;
    ASSERT_TRUE(selfBook->freeSlots(selfBook->open(token), slots).ok());
    ASSERT_EQ(selfBook->book(selfBook->open(token), slots.at(0).id).kind, workflows::BookOutcome::Kind::booked);
    ASSERT_EQ(selfBook->reschedule(selfBook->open(token), slots.at(1).id).kind, workflows::BookOutcome::Kind::booked);
    const auto other = createLink();

    expect(get(kA + "/links/" + id, keyA), 200, "Link");
    expect(get(kA + "/links?nhs_number=9995260182", keyA), 200, "LinkHistory");
    expect(post(kA + "/links/" + other.id + "/expire", keyA), 200, "Link");
    expect(post(kA + "/links/" + other.id + "/resend", keyA), 201, "CreatedLink");
    expect(get(kA + "/slot-types", keyA), 200, "SlotTypes");
    expect(post(kA + "/links", keyA, linkBody("9995260183")), 422, "ValidationProblem");
    expect(get(kA + "/links", keyA), 200, "LinkPage");
    expect(get(kA + "/links?state=lost", keyA), 422, "ValidationProblem");
    expect(get(kA + "/slot-types?from=x", keyA), 422, "ValidationProblem");
    expect(post(kA + "/links", keyA, "{"), 400, "Problem");
    expect(get(kA + "/links/" + id, ""), 401, "Problem");
    expect(get(kB + "/links/" + id, keyA), 404, "Problem");
    expect(post(kA + "/links/" + id + "/expire", keyA), 409, "Problem");
    expect(get(kA + "/messages", keyA), 200, "MessageList");
    expect(get(kA + "/messages?state=lost", keyA), 422, "ValidationProblem");
}

TEST_F(StaffApi, MessagesShowCountsAndDeadLettersWithTheirReasonAndARequeueSendsOneAgain) {
    createLink();
    const auto invite = createLink();
    const auto reference = selfBook->find("A12345", invite.id)->inviteReference;
    outbox->settle(
        {outbox::Outcome::failed(reference, 5, "gave up after 5 attempts; last error: provider answered 503")});

    const auto all = get(kA + "/messages", keyA);
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(all.json()->getObject("counts")->getValue<int>("queued"), 1);
    EXPECT_EQ(all.json()->getObject("counts")->getValue<int>("failed"), 1);
    EXPECT_EQ(all.body.find("07700"), std::string::npos) << "no message body, no number";
    EXPECT_EQ(all.body.find("+44"), std::string::npos);

    const auto dead = get(kA + "/messages?state=failed", keyA).json()->getArray("messages");
    ASSERT_EQ(dead->size(), 1U);
    EXPECT_EQ(dead->getObject(0)->getValue<std::string>("reference"), reference);
    EXPECT_EQ(dead->getObject(0)->getValue<std::string>("last_error"),
              "gave up after 5 attempts; last error: provider answered 503");

    EXPECT_EQ(post(kB + "/messages/" + reference + "/requeue", keyB).status, 404) << "B cannot touch A's message";
    const auto requeued = post(kA + "/messages/" + reference + "/requeue", keyA);
    ASSERT_EQ(requeued.status, 200) << requeued.body;
    EXPECT_EQ(requeued.json()->getValue<std::string>("state"), "queued");
    EXPECT_EQ(requeued.json()->getValue<int>("attempts"), 0);
    EXPECT_EQ(outbox->find(reference)->state, "queued");
    EXPECT_EQ(post(kA + "/messages/" + reference + "/requeue", keyA).status, 409) << "only a dead letter";
    EXPECT_EQ(post(kA + "/messages/msg-nope/requeue", keyA).status, 404);
}

TEST_F(StaffApi, MessagesComeAPageAtATimeWithTheStateFilterHeldAndABadCursorRefused) {
    // Eight invites queued in one transaction, at one moment: pages must split them by reference.
    const auto references = queuedAtOnce(*store, 8);
    failAtOnce(*outbox, {references.begin(), references.begin() + 5});

    // Every page of `query`, `limit` a page, by next_before; the references in the order given.
    const auto walk = [&](const std::string& query, const std::string& state) {
        std::vector<std::string> seen;
        std::string next = kA + "/messages?limit=2" + query;
        for (int pages = 0; !next.empty(); ++pages) {
            EXPECT_LT(pages, 5);
            if (pages >= 5) break;
            const auto page = get(next, keyA);
            EXPECT_EQ(page.status, 200) << page.body;
            const auto messages = page.json()->getArray("messages");
            for (std::size_t i = 0; i < messages->size(); ++i) {
                const auto m = messages->getObject(static_cast<unsigned>(i));
                if (!state.empty()) {
                    EXPECT_EQ(m->getValue<std::string>("state"), state);
                }
                seen.push_back(m->getValue<std::string>("reference"));
            }
            const auto before = page.json()->get("next_before");
            EXPECT_TRUE(!before.isEmpty() || messages->size() > 0) << "no cursor to an empty page";
            std::string cursor;
            if (!before.isEmpty()) Poco::URI::encode(before.convert<std::string>(), "&=+?#", cursor);
            next = before.isEmpty() ? std::string() : kA + "/messages?limit=2" + query + "&before=" + cursor;
        }
        return seen;
    };
    // Made in one millisecond, the references are in no order of making: the list sorts them.
    std::vector<std::string> wantFailed(references.begin(), references.begin() + 5);
    std::vector<std::string> wantQueued(references.begin() + 5, references.end());
    std::sort(wantFailed.rbegin(), wantFailed.rend());
    std::sort(wantQueued.rbegin(), wantQueued.rend());
    EXPECT_EQ(walk("&state=failed", "failed"), wantFailed);
    EXPECT_EQ(walk("&state=queued", "queued"), wantQueued);
    const auto all = walk("", "");
    EXPECT_EQ(all.size(), 8U);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 8U) << "none twice";

    const auto last = get(kA + "/messages?state=queued&limit=3", keyA);
    ASSERT_EQ(last.status, 200) << last.body;
    EXPECT_TRUE(last.json()->get("next_before").isEmpty()) << "exactly one full page: no next";
    for (const std::string bad : {"nonsense", "12", ".msg-1", "x1.msg-1"}) {
        const auto refused = get(kA + "/messages?before=" + bad, keyA);
        EXPECT_EQ(refused.status, 422) << bad;
        EXPECT_EQ(fieldsOf(refused), (std::set<std::string>{"before"})) << refused.body;
    }
    EXPECT_EQ(fieldsOf(get(kA + "/messages?before=x&state=lost", keyA)), (std::set<std::string>{"before", "state"}));
    for (const std::string bad : {"0", "501", "5abc", "-1"})
        EXPECT_EQ(fieldsOf(get(kA + "/messages?limit=" + bad, keyA)), (std::set<std::string>{"limit"})) << bad;
}

} // namespace
} // namespace clinhub::test
