// connectors/systmone-xml/schemas/examples say what the wire carries: sent in order to the simulator, every example
// request must get a reply with exactly the elements of its example reply (values aside).
#include "SystmOneTest.h"

#include <pugixml.hpp>

#include <regex>
#include <set>

namespace systmone::test {
namespace {

const std::string kExamples = std::string(CLINHUB_SOURCE_DIR) + "/connectors/systmone-xml/schemas/examples/";

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Every element path in the document ("ClientIntegrationResponse/Response/Clinic/Slot/SlotID").
std::set<std::string> shape(const std::string& xml) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(xml.c_str())) << xml;
    std::set<std::string> paths;
    struct Walker : pugi::xml_tree_walker {
        std::set<std::string>* paths;
        std::vector<std::string> stack;
        bool for_each(pugi::xml_node& n) override {
            if (n.type() != pugi::node_element) return true;
            stack.resize(static_cast<std::size_t>(depth()));
            stack.emplace_back(n.name());
            std::string path;
            for (const auto& part : stack)
                path += (path.empty() ? "" : "/") + part;
            paths->insert(path);
            return true;
        }
    } walker;
    walker.paths = &paths;
    doc.traverse(walker);
    return paths;
}

TEST(SchemaExamples, AreWhatTheSimulatorSpeaksCallForCall) {
    Sim sim;
    const TimeRange range = rangeFromTomorrow();
    const char* names[] = {"01-GetAppointmentSlots",
                           "02-PatientSearch",
                           "03-UpdatePatientRecord-Book",
                           "04-GetPatientAppointments",
                           "05-GetAppointmentDetails",
                           "06-UpdatePatientRecord-Move",
                           "07-ErrorMessage",
                           "08-UpdatePatientRecord-CodedEntry",
                           "09-UpdatePatientRecord-Cancel"};
    int n = 0;
    for (const char* name : names) {
        std::string request = readFile(kExamples + name + ".request.xml");
        ASSERT_FALSE(request.empty()) << name;
        char uid[40];
        std::snprintf(uid, sizeof uid, "7f1c9a52-3d4e-4b8a-9c61-%012d", ++n);
        request = std::regex_replace(request, std::regex("<RequestUID>[^<]*</RequestUID>"),
                                     std::string("<RequestUID>") + uid + "</RequestUID>");
        request = std::regex_replace(request, std::regex(R"(\$\{SYSTMONE_API_KEY\})"), "clinhub-test-api-key");
        // The slots are generated from tomorrow; ask for the same fortnight the tests use, at the practice.
        std::time_t from = range.from, to = range.to;
        char min[32], max[32];
        std::strftime(min, sizeof min, "%Y-%m-%dT00:00:00", std::gmtime(&from));
        std::strftime(max, sizeof max, "%Y-%m-%dT00:00:00", std::gmtime(&to));
        request = std::regex_replace(request, std::regex("<MinDateTime>[^<]*</MinDateTime>"),
                                     std::string("<MinDateTime>") + min + "</MinDateTime>");
        request = std::regex_replace(request, std::regex("<MaxDateTime>[^<]*</MaxDateTime>"),
                                     std::string("<MaxDateTime>") + max + "</MaxDateTime>");

        const std::string reply = sim.rawHttp(request).second;
        EXPECT_NE(reply.find(std::string("<ResponseUID>") + uid + "</ResponseUID>"), std::string::npos) << reply;
        EXPECT_EQ(shape(reply), shape(readFile(kExamples + name + ".reply.xml"))) << name << ":\n" << reply;
    }
}

} // namespace
} // namespace systmone::test
