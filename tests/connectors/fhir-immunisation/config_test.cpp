// The config section: the schema the hub validates against, the plugin's own checks (what `config check`
// reports) and what create() refuses once it reads the secrets the section points at.
#include "ImmunisationFixture.h"

#include <gmock/gmock.h>

#include <fstream>

namespace {

using namespace clinhub::test;
using ::testing::HasSubstr;

class ConfigTest : public ImmunisationTest {
protected:
    std::vector<std::string> checkConfig(const std::string& json) {
        const auto* info = host_.find("fhir-immunisation");
        EXPECT_NE(info, nullptr);
        std::vector<std::string> out;
        if (info == nullptr || !info->checkConfig) return out;
        for (const auto& e : info->checkConfig(json))
            out.push_back(e.pointer + ": " + e.message);
        return out;
    }
};

TEST_F(ConfigTest, AGoodSectionHasNoProblems) { EXPECT_THAT(checkConfig(config()), ::testing::IsEmpty()); }

TEST_F(ConfigTest, EveryProblemIsReportedAtItsPointer) {
    const auto problems = checkConfig(R"({"base_url": "http://immunisation.example.org/FHIR/R4",
        "token_url": "ftp://example.org/token", "api_key_env": "NOT A NAME", "kid": "",
        "timeout_ms": 0, "lookback_days": 0})");
    EXPECT_THAT(problems,
                ::testing::UnorderedElementsAre(
                    "/base_url: must be https:// (plain http is allowed only to 127.0.0.1 or localhost)",
                    "/token_url: must be an https:// URL",
                    "/api_key_env: must name an environment variable (letters, digits and '_')",
                    ": give exactly one of private_key_file and private_key_env",
                    "/kid: the key id registered with the API platform is required",
                    "/timeout_ms: must be between 100 and 120000", "/lookback_days: must be between 1 and 36500"));
}

TEST_F(ConfigTest, TheKeyComesFromAFileOrTheEnvironmentNotBoth) {
    keyField_ = R"("private_key_file": "/k.pem", "private_key_env": "KEY")";
    EXPECT_THAT(checkConfig(config()),
                ::testing::ElementsAre(": give exactly one of private_key_file and private_key_env"));
    keyField_ = R"("private_key_env": "not a name")";
    EXPECT_THAT(checkConfig(config()), ::testing::ElementsAre(HasSubstr("/private_key_env: must name")));
}

TEST_F(ConfigTest, ChecksReadNoSecrets) {
    // `config check` may run where the secrets are not: an unset variable is create()'s business.
    unsetenv(kApiKeyEnv);
    keyField_ = R"("private_key_file": "/nonexistent/key.pem")";
    EXPECT_THAT(checkConfig(config()), ::testing::IsEmpty());
}

TEST_F(ConfigTest, TheSchemaNamesEveryKeyAndRequiresTheEssentials) {
    const auto* info = host_.find("fhir-immunisation");
    ASSERT_NE(info, nullptr);
    const auto schema = Poco::JSON::Parser().parse(info->configSchema).extract<Poco::JSON::Object::Ptr>();
    const auto properties = schema->getObject("properties");
    for (const char* key : {"base_url", "token_url", "api_key_env", "private_key_file", "private_key_env", "kid",
                            "connect_timeout_ms", "timeout_ms", "lookback_days"})
        EXPECT_TRUE(properties->has(key)) << key;
    EXPECT_EQ(properties->getObject("private_key_file")->getValue<std::string>("format"), "path");
    EXPECT_FALSE(schema->getValue<bool>("additionalProperties"));
    std::set<std::string> required;
    for (const auto& v : *schema->getArray("required"))
        required.insert(v.convert<std::string>());
    EXPECT_EQ(required, (std::set<std::string>{"base_url", "token_url", "api_key_env", "kid"}));
    EXPECT_EQ(host_.find("fhir-immunisation")->kinds, std::set{clinhub::config::Kind::immunisationRecords});
}

TEST_F(ConfigTest, CreateRefusesAMissingApiKeyWithoutQuotingAnySecret) {
    unsetenv(kApiKeyEnv);
    const auto error = createError(config());
    EXPECT_THAT(error, HasSubstr("environment variable CLINHUB_TEST_IMMUNISATION_API_KEY (api_key_env) is not set"));
}

TEST_F(ConfigTest, CreateRefusesAMissingOrUnreadableKey) {
    keyField_ = R"("private_key_file": ")" + keys_.file("none.pem") + R"(")";
    EXPECT_THAT(createError(config()), HasSubstr("cannot read private_key_file"));
    const std::string notKey = keys_.file("not-a-key.pem");
    std::ofstream(notKey) << "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IHRleHQ=\n-----END PRIVATE KEY-----\n";
    keyField_ = R"("private_key_file": ")" + notKey + R"(")";
    const auto error = createError(config());
    EXPECT_THAT(error, HasSubstr("does not hold an RSA private key in PEM"));
    EXPECT_THAT(error, ::testing::Not(HasSubstr("c2VjcmV0")));
    keyField_ = R"("private_key_env": "CLINHUB_TEST_UNSET_KEY")";
    unsetenv("CLINHUB_TEST_UNSET_KEY");
    EXPECT_THAT(createError(config()), HasSubstr("CLINHUB_TEST_UNSET_KEY (private_key_env) is not set"));
}

TEST_F(ConfigTest, CreateRefusesWhatCheckConfigWould) {
    EXPECT_THAT(createError(R"({"base_url": "nope"})"), HasSubstr("must be an https:// URL"));
}

} // namespace
