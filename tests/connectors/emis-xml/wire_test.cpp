// connectors/emis-xml/schemas documents each call by an example request and reply. Every example request is sent
// to emis_sim as written, and the reply must have exactly the elements the example reply has.
#include "EmisFixture.h"

#include <pugixml.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace emistest {
namespace {

using WireTest = EmisTest;

std::string example(const std::string& name) {
    std::ifstream in(std::string(CLINHUB_SOURCE_DIR) + "/connectors/emis-xml/schemas/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
    for (const auto& [key, value] : values)
        for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
            text.replace(at, key.size(), value);
    return text;
}

// Every element's path, as local names ("Envelope/Body/LogonResponse/SessionId"), once each.
std::set<std::string> shape(const std::string& xml) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(xml.c_str())) << xml;
    std::set<std::string> paths;
    struct Walker : pugi::xml_tree_walker {
        std::set<std::string>* out;
        std::vector<std::string> stack;
        bool for_each(pugi::xml_node& node) override {
            if (node.type() != pugi::node_element) return true;
            stack.resize(static_cast<size_t>(depth()));
            std::string name = node.name();
            if (const auto colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
            stack.push_back(name);
            std::string path;
            for (const auto& part : stack)
                path += (path.empty() ? "" : "/") + part;
            out->insert(path);
            return true;
        }
    } walker;
    walker.out = &paths;
    doc.traverse(walker);
    return paths;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
    const auto start = text.find(open) + open.size();
    return text.substr(start, text.find(close, start) - start);
}

TEST_F(WireTest, EveryDocumentedRequestGetsTheDocumentedReply) {
    std::map<std::string, std::string> values{{"{Date}", kit::isoDate(tomorrow())}};
    for (const std::string call : {"Logon", "GetAppointmentSessions", "GetSlotsForSession", "GetMatchedPatient",
                                   "BookAppointment", "GetPatientAppointments", "CancelAppointment", "FileRecord"}) {
        const auto [status, reply] =
            post(fill(example(call + ".request.xml"), values), std::string(kNamespace) + "/" + call);
        ASSERT_EQ(status, 200) << call << ": " << reply;
        EXPECT_NE(reply.find("<Outcome>1</Outcome>"), std::string::npos) << call << ": " << reply;
        EXPECT_EQ(shape(reply), shape(example(call + ".response.xml"))) << call << ": " << reply;
        if (call == "Logon") values["{SessionId}"] = between(reply, "<SessionId>", "</SessionId>");
        if (call == "GetAppointmentSessions") values["{SessionDBID}"] = between(reply, "<DBID>", "</DBID>");
        if (call == "GetSlotsForSession") values["{SlotId}"] = between(reply, "<DBID>", "</DBID>");
    }
    EXPECT_EQ(records()->size(), 1U);
    EXPECT_EQ(appointments()->size(), 0U);
}

TEST_F(WireTest, TheDocumentedRefusalAndFaultAreWhatTheSimulatorAnswers) {
    const std::string session = "<SessionId>" + logon() + "</SessionId>";
    const std::string booking = session + "<SlotId>200001</SlotId><PatientId>5001</PatientId>";
    ASSERT_EQ(soap("BookAppointment", booking).first, 200);
    EXPECT_EQ(shape(soap("BookAppointment", booking).second), shape(example("refused.response.xml")));
    sim_->setFaults(R"({"error_rate": 1})");
    const auto [status, fault] = soap("GetMatchedPatient", session + "<NhsNumber>9995260182</NhsNumber>");
    EXPECT_EQ(status, 500);
    EXPECT_EQ(shape(fault), shape(example("fault.response.xml")));
}

} // namespace
} // namespace emistest
