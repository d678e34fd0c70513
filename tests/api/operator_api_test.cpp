// The hub operator's routes (hub/api/OperatorApi.h): every organisation with its connectors and outbox
// counts, its admins made (invited by email, or promoted) and withdrawn but never the last, the plugins; none
// of it about a patient, and none of it open to a practice's roles, as no practice route is open to the
// operator.
#include "hub/api/OperatorApi.h"
#include "hub/outbox/Payload.h"
#include "tests/api/OpenApiShape.h"
#include "tests/api/StaffApiFixture.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <gtest/gtest.h>

#include <sstream>

namespace clinhub::test {
namespace {

using staff::Role;

const std::string kHub = "/api/v1/hub";
const std::string kAdminsA = kHub + "/organisations/A12345/admins";

std::string person(const std::string& name, const std::string& email) {
    Poco::JSON::Object out;
    out.set("name", name);
    out.set("email", email);
    std::ostringstream text;
    out.stringify(text);
    return text.str();
}

class OperatorApi : public StaffApiFixture {
protected:
    void SetUp() override {
        StaffApiFixture::SetUp();
        if (HasFatalFailure()) return;
        const auto op = signIn->users().create("Ola Operator", "ola.operator@hub.example");
        signIn->users().grant(op.id, staff::kEveryOrganisation, Role::hubOperator);
        operatorId = op.id;
        operatorKey = keys->create(staff::kEveryOrganisation, "Ola's key", 0, Role::hubOperator, op.id).key;
    }

    Reply call(const std::string& method, const std::string& target, const std::string& body = {}) const {
        return StaffApiFixture::call(method, target, operatorKey, body);
    }

    // A user with `role` in A12345 and a key of theirs.
    std::pair<staff::User, std::string> member(const std::string& email, Role role) const {
        auto user = signIn->users().create("Sam Example", email);
        signIn->users().grant(user.id, "A12345", role);
        return {user, keys->create("A12345", "theirs", 0, role, user.id).key};
    }

    std::vector<audit::Entry> entries(const std::string& action, audit::Outcome outcome) const {
        std::vector<audit::Entry> out;
        for (auto& e : audit->find(audit::Filter{"A12345"}))
            if (e.action == action && e.outcome == outcome) out.push_back(std::move(e));
        return out;
    }

    std::string operatorId;
    std::string operatorKey;
};

Poco::JSON::Object::Ptr organisationIn(const Reply& reply, const std::string& ods) {
    const auto list = reply.json()->getArray("organisations");
    for (std::size_t i = 0; list && i < list->size(); ++i)
        if (list->getObject(i)->getValue<std::string>("ods") == ods) return list->getObject(i);
    return nullptr;
}

TEST_F(OperatorApi, EveryOrganisationIsListedWithItsConnectorsAdminsAndOutboxButNoPatient) {
    createLink();
    member("sam.admin@test-surgery.example", Role::admin);
    const auto reply = call("GET", kHub + "/organisations");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto a = organisationIn(reply, "A12345");
    const auto b = organisationIn(reply, "B99999");
    ASSERT_TRUE(a && b) << reply.body;
    EXPECT_EQ(a->getValue<std::string>("name"), "Test Surgery");
    EXPECT_EQ(a->getObject("route")->getValue<std::string>("appointment_book"), "book");
    EXPECT_EQ(a->getObject("route")->getValue<std::string>("email"), "texts");
    EXPECT_EQ(a->getValue<int>("active_admins"), 1);
    EXPECT_EQ(b->getValue<int>("active_admins"), 0);
    EXPECT_EQ(a->getObject("outbox")->getValue<int>("queued"), 1) << "the link's invitation";
    EXPECT_EQ(b->getObject("outbox")->getValue<int>("queued"), 0);
    for (const char* patient : {"9995260182", "999 526 0182", "7700900123", "1956"})
        EXPECT_EQ(reply.body.find(patient), std::string::npos) << patient << " in " << reply.body;
}

TEST_F(OperatorApi, SomeoneNewIsInvitedAsAdminByEmailAndTheOrganisationsTrailNamesTheOperator) {
    const auto reply = call("POST", kAdminsA, person("Jo Example", "Jo.Example@test-surgery.example"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto id = reply.json()->getValue<std::string>("id");
    EXPECT_TRUE(reply.json()->getValue<bool>("invited"));
    EXPECT_EQ(reply.header("Location"), kAdminsA + "/" + id);
    EXPECT_EQ(signIn->users().byId(id)->roles.at("A12345"), Role::admin);
    const auto sent = queuedMessages(*store, "email");
    ASSERT_EQ(sent.size(), 1U);
    const auto email = std::get<outbox::EmailPayload>(outbox::decode(sent[0].channel, sent[0].payloadJson));
    EXPECT_EQ(email.to, "jo.example@test-surgery.example");
    EXPECT_NE(email.text.find("Ola Operator"), std::string::npos) << email.text;

    const auto listed = call("GET", kAdminsA);
    ASSERT_EQ(listed.status, 200) << listed.body;
    ASSERT_EQ(listed.json()->getArray("admins")->size(), 1U);
    EXPECT_EQ(listed.json()->getArray("admins")->getObject(0)->getValue<std::string>("id"), id);

    const auto logged = entries("addAdmin", audit::Outcome::success);
    ASSERT_EQ(logged.size(), 1U) << "one entry, under the organisation, written with the change";
    EXPECT_EQ(logged[0].actor.id, operatorId);
    EXPECT_EQ(logged[0].resource, id);
}

TEST_F(OperatorApi, AMemberOfTheOrganisationIsMadeAdminWithoutAnEmailAndAnAdminAgainIsAConflict) {
    const auto [viewer, key] = member("vic.viewer@test-surgery.example", Role::viewer);
    const auto promoted = call("POST", kAdminsA, person("", viewer.email));
    ASSERT_EQ(promoted.status, 200) << promoted.body;
    EXPECT_FALSE(promoted.json()->getValue<bool>("invited"));
    EXPECT_EQ(signIn->users().byId(viewer.id)->roles.at("A12345"), Role::admin);
    EXPECT_TRUE(queuedMessages(*store, "email").empty());
    EXPECT_EQ(call("POST", kAdminsA, person("", viewer.email)).status, 409);
    EXPECT_EQ(call("POST", kHub + "/organisations/Z00000/admins", person("Jo", "jo@x.example")).status, 404);
    EXPECT_EQ(call("POST", kAdminsA, person("", "not an email")).status, 422);
}

TEST_F(OperatorApi, AnAdminIsWithdrawnAndTheirKeyStopsButNeverTheOrganisationsLastActiveAdmin) {
    const auto [first, firstKey] = member("ann.admin@test-surgery.example", Role::admin);
    const auto [second, secondKey] = member("ben.admin@test-surgery.example", Role::admin);
    ASSERT_EQ(StaffApiFixture::call("GET", "/api/v1/organisations/A12345/users", secondKey).status, 200);

    EXPECT_EQ(call("DELETE", kAdminsA + "/" + second.id).status, 204);
    EXPECT_EQ(StaffApiFixture::call("GET", "/api/v1/organisations/A12345/users", secondKey).status, 401);
    EXPECT_FALSE(signIn->users().byId(second.id)->roles.contains("A12345"));

    const auto last = call("DELETE", kAdminsA + "/" + first.id);
    EXPECT_EQ(last.status, 409) << last.body;
    EXPECT_NE(last.body.find("no active admin"), std::string::npos) << last.body;
    EXPECT_EQ(signIn->users().byId(first.id)->roles.at("A12345"), Role::admin) << "rolled back";
    EXPECT_EQ(entries("removeAdmin", audit::Outcome::success).size(), 1U) << "the refused one wrote no success";
    EXPECT_EQ(entries("removeAdmin", audit::Outcome::failure).size(), 1U);
    EXPECT_EQ(call("DELETE", kAdminsA + "/" + second.id).status, 404) << "no longer an admin here";
}

TEST_F(OperatorApi, TheOutboxIsCountedPerOrganisationAndThePluginsAndConnectorsListed) {
    createLink();
    const auto outbox = call("GET", kHub + "/outbox");
    ASSERT_EQ(outbox.status, 200) << outbox.body;
    EXPECT_EQ(outbox.json()->getObject("total")->getValue<int>("queued"), 1);
    EXPECT_EQ(organisationIn(outbox, "A12345")->getObject("outbox")->getValue<int>("queued"), 1);
    EXPECT_EQ(outbox.body.find("9995260182"), std::string::npos) << outbox.body;

    const auto plugins = call("GET", kHub + "/plugins");
    ASSERT_EQ(plugins.status, 200) << plugins.body;
    const auto json = plugins.json();
    ASSERT_EQ(json->getArray("plugins")->size(), host.loaded().size());
    ASSERT_FALSE(host.loaded().empty());
    std::set<std::string> connectors;
    for (std::size_t i = 0; i < json->getArray("connectors")->size(); ++i)
        connectors.insert(json->getArray("connectors")->getObject(i)->getValue<std::string>("name"));
    EXPECT_TRUE(connectors.contains("book") && connectors.contains("texts")) << plugins.body;
}

TEST_F(OperatorApi, TheOperatorOpensNoPracticeRouteAndNoPracticeRoleOpensTheHubs) {
    const auto history = call("GET", "/api/v1/organisations/A12345/links?nhs_number=9995260182");
    EXPECT_EQ(history.status, 403) << history.body;
    EXPECT_NE(history.body.find("this needs the viewer role; the API key has the operator role"), std::string::npos)
        << history.body;
    const auto [admin, adminKey] = member("sam.admin@test-surgery.example", Role::admin);
    const auto hub = StaffApiFixture::call("GET", kHub + "/organisations", adminKey);
    EXPECT_EQ(hub.status, 403) << hub.body;
    EXPECT_NE(hub.body.find("this needs the operator role; the API key has the admin role"), std::string::npos)
        << hub.body;
    EXPECT_EQ(StaffApiFixture::call("GET", kHub + "/plugins", "").status, 401);
}

TEST_F(OperatorApi, RepliesMatchTheOpenApiSchemas) {
    const OpenApiShape shape(CLINHUB_OPENAPI);
    auto expect = [&](const Reply& reply, int status, const std::string& schema) {
        ASSERT_EQ(reply.status, status) << reply.body;
        for (const auto& p : shape.check(Poco::JSON::Parser().parse(reply.body), schema))
            ADD_FAILURE() << schema << ": " << p << "\nin " << reply.body;
    };
    expect(call("GET", kHub + "/organisations"), 200, "OrganisationList");
    expect(call("POST", kAdminsA, person("Jo Example", "jo.example@test-surgery.example")), 201, "AddedAdmin");
    expect(call("GET", kAdminsA), 200, "AdminList");
    expect(call("GET", kHub + "/outbox"), 200, "OutboxSummary");
    expect(call("GET", kHub + "/plugins"), 200, "PluginList");
}

} // namespace
} // namespace clinhub::test
