// The GP Connect rules the simulator enforces, shown with raw requests: the connector passing every
// check (book_test's EveryRequestTheConnectorMakesPassesTheProvidersChecks) means something only if
// the checks refuse what breaks the rules.
#include "GpConnectFixture.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/UUIDGenerator.h>

#include <map>

namespace {

using namespace clinhub::test;
using Poco::JSON::Object;

std::string base64url(const std::string& text) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder << text;
    encoder.close();
    return out.str();
}

std::string text(const Object& o) {
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

Object::Ptr parse(const std::string& json) { return Poco::JSON::Parser().parse(json).extract<Object::Ptr>(); }

struct Answer {
    int status = 0;
    std::string body;
    std::string etag;

    [[nodiscard]] std::string spineCode() const {
        const auto o = parse(body);
        return o->getArray("issue")
            ->getObject(0)
            ->getObject("details")
            ->getArray("coding")
            ->getObject(0)
            ->getValue<std::string>("code");
    }
};

class ProtocolTest : public GpConnectTest {
protected:
    // Claims a consumer that follows GP Connect sends; tests break one at a time.
    Object claims(const std::string& scope) const {
        const int64_t now = std::time(nullptr);
        Object c;
        c.set("iss", "https://consumer.invalid");
        c.set("sub", "user-1");
        c.set("aud", sim_->url());
        c.set("iat", now);
        c.set("exp", now + 300);
        c.set("reason_for_request", "directcare");
        c.set("requested_scope", scope);
        c.set("requesting_device", parse(R"({"resourceType": "Device", "identifier": [{"system": "s", "value": "v"}],
                                             "model": "m", "version": "1"})"));
        c.set("requesting_organization", parse(R"({"resourceType": "Organization", "name": "Test",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A12345"}]})"));
        c.set("requesting_practitioner", parse(R"({"resourceType": "Practitioner", "id": "user-1",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "UNK"}],
            "name": [{"family": "Tester"}]})"));
        return c;
    }

    static std::string token(const Object& claims, const std::string& alg = "none", const std::string& signature = "") {
        Object header;
        header.set("alg", alg);
        header.set("typ", "JWT");
        return base64url(text(header)) + "." + base64url(text(claims)) + "." + signature;
    }

    std::map<std::string, std::string> headers(const std::string& interaction, const std::string& jwt) const {
        return {{"Ssp-TraceID", Poco::UUIDGenerator::defaultGenerator().createRandom().toString()},
                {"Ssp-From", "200000000359"},
                {"Ssp-To", "918999198993"},
                {"Ssp-InteractionID", "urn:nhs:names:services:gpconnect:fhir:rest:" + interaction},
                {"Authorization", "Bearer " + jwt}};
    }

    Answer send(const std::string& method, const std::string& path, const std::map<std::string, std::string>& hs,
                const std::string& body = "") const {
        Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim_->port()));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [k, v] : hs)
            request.set(k, v);
        if (!body.empty()) {
            request.setContentType("application/fhir+json");
            request.setContentLength(static_cast<std::streamsize>(body.size()));
        }
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        Answer a;
        Poco::StreamCopier::copyToString(session.receiveResponse(response), a.body);
        a.status = response.getStatus();
        a.etag = response.get("ETag", "");
        return a;
    }

    // A slot search over [from, from + days], otherwise as GP Connect wants it.
    std::string slotSearch(int64_t from, double days) const {
        auto iso = [](int64_t t) {
            char out[32];
            const std::time_t tt = t;
            std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
            return std::string(out);
        };
        return "/Slot?status=free&start=ge" + iso(from) + "&end=le" + iso(from + static_cast<int64_t>(days * kDay)) +
               "&_include=Slot:schedule";
    }

    Answer search(const std::string& path) const {
        return send("GET", path, headers("search:slot-1", token(claims("organization/*.read"))));
    }

    // A booking of the first slot (a flu slot, Location/17) for Patient/1 as GP Connect wants it; tests spoil it.
    Object::Ptr appointment() const {
        const auto slot = inspect("slots")->getObject(0);
        const int64_t start = slot->getValue<int64_t>("start");
        const int64_t end = slot->getValue<int64_t>("end");
        auto iso = [](int64_t t) {
            char out[32];
            const std::time_t tt = t;
            std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S+00:00", std::gmtime(&tt));
            return std::string(out);
        };
        return parse(R"({"resourceType": "Appointment",
            "meta": {"profile": ["https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-Appointment-1"]},
            "contained": [{"resourceType": "Organization", "id": "1", "name": "Test", "telecom": [{"system": "phone", "value": "0300"}]}],
            "extension": [{"url": "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-BookingOrganisation-1",
                           "valueReference": {"reference": "#1"}}],
            "status": "booked", "description": "Flu clinic", "created": ")" +
                     iso(std::time(nullptr)) + R"(", "start": ")" + iso(start) + R"(", "end": ")" + iso(end) + R"(",
            "slot": [{"reference": "Slot/)" +
                     slot->getValue<std::string>("id") + R"("}],
            "participant": [{"actor": {"reference": "Patient/1"}, "status": "accepted"},
                            {"actor": {"reference": "Location/17"}, "status": "accepted"}]})");
    }

    Answer create(const Object::Ptr& a) const {
        return send("POST", "/Appointment", headers("create:appointment-1", token(claims("patient/*.write"))),
                    text(*a));
    }
};

TEST_F(ProtocolTest, ASlotSearchOfMoreThanTwoWeeksIsRefused) {
    const auto longer = search(slotSearch(tomorrowUtc(), 14.5));
    EXPECT_EQ(longer.status, 422);
    EXPECT_EQ(longer.spineCode(), "INVALID_PARAMETER");
    EXPECT_EQ(search(slotSearch(tomorrowUtc(), 14)).status, 200);
}

TEST_F(ProtocolTest, ASlotSearchNeedsStatusFreeAndTheScheduleInclude) {
    const std::string good = slotSearch(tomorrowUtc(), 7);
    EXPECT_EQ(search(std::string(good).replace(good.find("status=free"), 11, "status=busy")).status, 422);
    EXPECT_EQ(search(good.substr(0, good.find("&_include"))).status, 422);
    EXPECT_EQ(search(std::string(good).replace(good.find("start=ge"), 8, "start=gt")).status, 422);
}

TEST_F(ProtocolTest, EverySspHeaderIsRequired) {
    for (const char* missing : {"Ssp-TraceID", "Ssp-From", "Ssp-To", "Ssp-InteractionID"}) {
        auto hs = headers("search:slot-1", token(claims("organization/*.read")));
        hs.erase(missing);
        const auto a = send("GET", slotSearch(tomorrowUtc(), 7), hs);
        EXPECT_EQ(a.status, 400) << missing;
        EXPECT_EQ(a.spineCode(), "BAD_REQUEST") << missing;
    }
    auto hs = headers("search:slot-1", token(claims("organization/*.read")));
    hs["Ssp-TraceID"] = "not-a-uuid";
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), hs).status, 400);
}

TEST_F(ProtocolTest, OnlyTheKnownConsumerMayCallThisProvider) {
    auto hs = headers("search:slot-1", token(claims("organization/*.read")));
    hs["Ssp-From"] = "200000000999";
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), hs).status, 403);
    hs = headers("search:slot-1", token(claims("organization/*.read")));
    hs["Ssp-To"] = "918999198999";
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), hs).status, 403);
}

TEST_F(ProtocolTest, TheInteractionMustFitTheEndpoint) {
    const auto a = send("GET", slotSearch(tomorrowUtc(), 7),
                        headers("create:appointment-1", token(claims("organization/*.read"))));
    EXPECT_EQ(a.status, 400);
    EXPECT_NE(a.body.find("does not fit"), std::string::npos) << a.body;
}

TEST_F(ProtocolTest, ARequestWithoutABearerTokenIsUnauthorised) {
    auto hs = headers("search:slot-1", "");
    hs.erase("Authorization");
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), hs).status, 401);
}

TEST_F(ProtocolTest, TheJwtMustExpireExactlyFiveMinutesAfterItsIssue) {
    auto c = claims("organization/*.read");
    c.set("exp", c.getValue<int64_t>("iat") + 600);
    const auto a = send("GET", slotSearch(tomorrowUtc(), 7), headers("search:slot-1", token(c)));
    EXPECT_EQ(a.status, 400);
    EXPECT_NE(a.body.find("exp must be iat + 300"), std::string::npos) << a.body;
    c.set("iat", std::time(nullptr) - 900);
    c.set("exp", std::time(nullptr) - 600);
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), headers("search:slot-1", token(c))).status, 400);
}

TEST_F(ProtocolTest, TheJwtMustBeUnsecured) {
    const auto signedToken = token(claims("organization/*.read"), "HS256", "c2lnbmF0dXJl");
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), headers("search:slot-1", signedToken)).status, 400);
    auto noDot = token(claims("organization/*.read"));
    noDot.pop_back();
    EXPECT_EQ(send("GET", slotSearch(tomorrowUtc(), 7), headers("search:slot-1", noDot)).status, 400);
}

TEST_F(ProtocolTest, TheJwtClaimsMustFitTheRequest) {
    const std::string path = slotSearch(tomorrowUtc(), 7);
    EXPECT_EQ(send("GET", path, headers("search:slot-1", token(claims("patient/*.read")))).status, 400) << "scope";
    auto c = claims("organization/*.read");
    c.set("aud", "https://somewhere.else.invalid");
    EXPECT_EQ(send("GET", path, headers("search:slot-1", token(c))).status, 400) << "aud";
    c = claims("organization/*.read");
    c.set("reason_for_request", "secondaryuses");
    EXPECT_EQ(send("GET", path, headers("search:slot-1", token(c))).status, 400) << "reason";
    c = claims("organization/*.read");
    c.set("sub", "someone-else");
    EXPECT_EQ(send("GET", path, headers("search:slot-1", token(c))).status, 400) << "sub";
    c = claims("organization/*.read");
    c.remove("requesting_organization");
    EXPECT_EQ(send("GET", path, headers("search:slot-1", token(c))).status, 400) << "organization";
    EXPECT_EQ(send("GET", path, headers("search:slot-1", token(claims("organization/*.read")))).status, 200);
}

TEST_F(ProtocolTest, ABookingAsGpConnectWantsItIsCreatedWithLocationAndVersion) {
    const auto a = create(appointment());
    ASSERT_EQ(a.status, 201) << a.body;
    EXPECT_EQ(a.etag, "W/\"1\"");
    EXPECT_EQ(parse(a.body)->getObject("meta")->getValue<std::string>("versionId"), "1");
}

TEST_F(ProtocolTest, ABookingMustRepeatTheSlotsTimesAndGiveItsLocation) {
    auto wrongEnd = appointment();
    wrongEnd->set("end", "2099-01-01T00:00:00+00:00");
    auto r = create(wrongEnd);
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(r.spineCode(), "INVALID_RESOURCE");
    auto noLocation = appointment();
    noLocation->getArray("participant")->remove(1);
    EXPECT_EQ(create(noLocation).status, 422);
    auto noOrganisation = appointment();
    noOrganisation->remove("extension");
    EXPECT_EQ(create(noOrganisation).status, 422);
    auto longDescription = appointment();
    longDescription->set("description", std::string(101, 'x'));
    EXPECT_EQ(create(longDescription).status, 422);
    auto strangerPatient = appointment();
    strangerPatient->getArray("participant")->getObject(0)->getObject("actor")->set("reference", "Patient/404");
    r = create(strangerPatient);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.spineCode(), "PATIENT_NOT_FOUND");
    EXPECT_TRUE(appointments().empty());
}

TEST_F(ProtocolTest, BookingATakenSlotIsDuplicateRejected) {
    ASSERT_EQ(create(appointment()).status, 201);
    const auto r = create(appointment()); // the same slot again
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.spineCode(), "DUPLICATE_REJECTED");
    EXPECT_EQ(appointments().size(), 1U);
}

TEST_F(ProtocolTest, ACancellationNeedsTheCurrentVersionAndMayChangeOnlyStatusAndReason) {
    const auto created = create(appointment());
    ASSERT_EQ(created.status, 201);
    const std::string id = parse(created.body)->getValue<std::string>("id");
    auto cancel = [&](const Object::Ptr& body, const std::string& ifMatch) {
        auto hs = headers("cancel:appointment-1", token(claims("patient/*.write")));
        hs["If-Match"] = ifMatch;
        return send("PUT", "/Appointment/" + id, hs, text(*body));
    };
    auto cancelled = parse(created.body);
    cancelled->set("status", "cancelled");
    Object::Ptr reason = new Object;
    reason->set("url",
                "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-GPConnect-AppointmentCancellationReason-1");
    reason->set("valueString", "Patient request");
    cancelled->getArray("extension")->add(reason);

    const auto stale = cancel(cancelled, "W/\"0\"");
    EXPECT_EQ(stale.status, 409);
    EXPECT_EQ(stale.spineCode(), "CONFLICT");
    auto alsoMoved = parse(text(*cancelled));
    alsoMoved->set("description", "changed");
    EXPECT_EQ(cancel(alsoMoved, "W/\"1\"").status, 422);
    auto noReason = parse(created.body);
    noReason->set("status", "cancelled");
    EXPECT_EQ(cancel(noReason, "W/\"1\"").status, 422);
    auto hs = headers("cancel:appointment-1", token(claims("patient/*.write")));
    EXPECT_EQ(send("PUT", "/Appointment/" + id, hs, text(*cancelled)).status, 400) << "no If-Match";

    const auto done = cancel(cancelled, "W/\"1\"");
    EXPECT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(done.etag, "W/\"2\"");
    EXPECT_EQ(appointments().at(0)->getValue<std::string>("status"), "cancelled");
}

} // namespace
