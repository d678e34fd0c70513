// The appointment-book operations of gpconnect-fhir against the GP Connect simulator.
#include "GpConnectFixture.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>

#include <algorithm>
#include <set>

namespace {

using namespace clinhub::test;
using clinhub::Appointment;
using clinhub::Patient;
using clinhub::Slot;
using clinhub::Status;

// The fixture: Flu clinic every day 09:00-10:00 UTC in 10-minute slots with Nurse Nina Example in Room 1;
// Asthma review by telephone on Mondays 14:00-15:00 UTC in 20-minute slots with Dr Paul Placeholder.
using BookTest = GpConnectTest;

int64_t epoch(const std::string& instant) {
    int tzd = 0;
    Poco::DateTime t = Poco::DateTimeParser::parse(Poco::DateTimeFormat::ISO8601_FORMAT, instant, tzd);
    t.makeUTC(tzd);
    return t.timestamp().epochTime();
}

int count(const std::vector<Logged>& log, const std::string& method, const std::string& prefix) {
    return static_cast<int>(std::count_if(
        log.begin(), log.end(), [&](const auto& e) { return e.method == method && e.path.rfind(prefix, 0) == 0; }));
}

TEST_F(BookTest, FreeSlotsCarryTheirTypeClinicianLocationAndLength) {
    auto& b = book();
    const auto slots = flu(b);
    ASSERT_EQ(slots.size(), 7U * 6);
    EXPECT_EQ(slots.front().start, tomorrowUtc() + 9 * 3600);
    EXPECT_EQ(slots.back().start, tomorrowUtc() + 6 * kDay + 9 * 3600 + 50 * 60);
    EXPECT_EQ(slots.front().slotType, "Flu clinic");
    EXPECT_EQ(slots.front().durationMinutes, 10);
    EXPECT_EQ(slots.front().clinician, "Nurse Nina Example");
    EXPECT_EQ(slots.front().location, "Demo Surgery, Room 1");
    EXPECT_FALSE(slots.front().telephone);
    EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end(), [](auto& x, auto& y) { return x.start < y.start; }));

    const auto asthma = freeSlots(b, "Asthma review", {tomorrowUtc(), tomorrowUtc() + 7 * kDay});
    ASSERT_EQ(asthma.size(), 3U);
    EXPECT_TRUE(asthma.front().telephone);
    EXPECT_EQ(asthma.front().durationMinutes, 20);
    EXPECT_EQ(asthma.front().clinician, "Dr Paul Placeholder");
}

TEST_F(BookTest, FreeSlotsOverFourWeeksArePagedInSearchesOfAtMostFourteenDays) {
    auto& b = book();
    clearLog();
    const auto slots = flu(b, 28);
    EXPECT_EQ(slots.size(), 28U * 6);
    std::set<int64_t> starts;
    for (const auto& s : slots)
        starts.insert(s.start);
    EXPECT_EQ(starts.size(), slots.size()) << "a slot was returned by two windows";
    const auto log = requests();
    ASSERT_GE(log.size(), 3U);
    for (const auto& e : log) {
        EXPECT_EQ(e.status, 200) << e.path;
        const Poco::URI uri(e.path);
        std::string start;
        std::string end;
        for (const auto& [k, v] : uri.getQueryParameters()) {
            if (k == "start") start = v.substr(2);
            if (k == "end") end = v.substr(2);
        }
        ASSERT_FALSE(start.empty());
        ASSERT_FALSE(end.empty());
        EXPECT_LE(epoch(end) - epoch(start), 14 * kDay) << e.path;
    }
}

TEST_F(BookTest, AFreeSlotStartingBeforeTheRangeEndsIsIncludedThoughItEndsAfter) {
    auto& b = book();
    const int64_t nine = tomorrowUtc() + 9 * 3600;
    const auto slots = freeSlots(b, "Flu clinic", {nine, nine + 5 * 60});
    ASSERT_EQ(slots.size(), 1U);
    EXPECT_EQ(slots.front().start, nine);
    EXPECT_TRUE(freeSlots(b, "Flu clinic", {nine + 60, nine + 10 * 60}).empty()) << "09:00 starts before the range";
}

TEST_F(BookTest, SlotTypesListsTheTypesWithFreeSlotsInTheRange) {
    auto& b = book();
    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes({tomorrowUtc(), tomorrowUtc() + 14 * kDay}, types).ok());
    EXPECT_EQ(types, (std::vector<std::string>{"Asthma review", "Flu clinic"}));
    types.clear();
    ASSERT_TRUE(b.slotTypes({tomorrowUtc(), tomorrowUtc() + 12 * 3600}, types).ok());
    EXPECT_EQ(types, std::vector<std::string>{"Flu clinic"});
}

TEST_F(BookTest, BookingHoldsTheSlotForThePatientAndReturnsTheAppointment) {
    auto& b = book();
    const auto slot = flu(b).at(2);
    Appointment a;
    const auto r = b.book(slot.id, patient(), "Booked online by the patient (clinhub self-book link L1)", a);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_FALSE(a.id.empty());
    EXPECT_EQ(a.slot.id, slot.id);
    EXPECT_EQ(a.slot.start, slot.start);
    EXPECT_EQ(a.slot.slotType, "Flu clinic");
    EXPECT_EQ(a.slot.clinician, "Nurse Nina Example");
    EXPECT_EQ(a.slot.location, "Demo Surgery, Room 1");

    const auto held = appointments();
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held[0]->getValue<std::string>("id"), a.id);
    EXPECT_EQ(held[0]->getValue<std::string>("status"), "booked");
    EXPECT_EQ(held[0]->getValue<std::string>("nhs_number"), kNhs);
    EXPECT_EQ(held[0]->getValue<int64_t>("start"), slot.start);
    EXPECT_EQ(held[0]->getValue<std::string>("description"), "Flu clinic");
    EXPECT_EQ(held[0]->getValue<std::string>("comment"), "Booked online by the patient (clinhub self-book link L1)");
    for (const auto& s : flu(b))
        EXPECT_NE(s.id, slot.id) << "a booked slot is still offered";
}

TEST_F(BookTest, BookingASlotAnotherPatientHoldsIsAConflict) {
    auto& b = book();
    const auto slot = flu(b).front();
    Appointment first;
    Appointment second;
    ASSERT_TRUE(b.book(slot.id, patient(), "", first).ok());
    const auto r = b.book(slot.id, patient(kOtherNhs), "", second);
    EXPECT_EQ(r.status, Status::conflict) << r.message;
    EXPECT_NE(r.message.find("DUPLICATE_REJECTED"), std::string::npos) << r.message;
    EXPECT_EQ(appointments().size(), 1U);
}

TEST_F(BookTest, BookingASlotTakenAtThePracticeDeskIsAConflict) {
    auto& b = book();
    const auto slot = flu(b).front();
    const std::string fhirSlot = slot.id.substr(0, slot.id.find('~'));
    sim_->control("POST", "/_sim/steal?slot=" + fhirSlot);
    Appointment a;
    EXPECT_EQ(b.book(slot.id, patient(), "", a).status, Status::conflict);
}

TEST_F(BookTest, BookingASlotThePatientAlreadyHoldsIsAConflict) {
    auto& b = book();
    const auto slot = flu(b).front();
    Appointment first;
    Appointment again;
    ASSERT_TRUE(b.book(slot.id, patient(), "", first).ok());
    EXPECT_EQ(b.book(slot.id, patient(), "", again).status, Status::conflict);
    EXPECT_EQ(appointments().size(), 1U);
}

TEST_F(BookTest, ABookingWhoseAnswerWasLostIsFoundInsteadOfBookedAgain) {
    auto& b = book();
    const auto slot = flu(b).front();
    sim_->setFaults(R"({"after_commit_rate": 1})");
    clearLog();
    Appointment a;
    const auto r = b.book(slot.id, patient(), "", a);
    ASSERT_TRUE(r.ok()) << r.message;
    sim_->clearFaults();
    const auto held = appointments();
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held[0]->getValue<std::string>("id"), a.id);
    const auto log = requests();
    EXPECT_EQ(count(log, "GET", "/Patient/1/Appointment"), 1);
    EXPECT_EQ(count(log, "POST", "/Appointment"), 1) << "booked once, not sent again";
    const auto post = std::find_if(log.begin(), log.end(), [](auto& e) { return e.method == "POST"; });
    const auto check =
        std::find_if(log.begin(), log.end(), [](auto& e) { return e.path.find("/Appointment?") != std::string::npos; });
    EXPECT_LT(post - log.begin(), check - log.begin()) << "the check comes after the POST whose answer was lost";
}

TEST_F(BookTest, BookingForAPatientNotInTheBookIsPermanent) {
    auto& b = book();
    Appointment a;
    const auto r = b.book(flu(b).front().id, patient(kUnknownNhs), "", a);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message.find(kUnknownNhs), std::string::npos) << "no NHS number in a message the hub may log";
    EXPECT_TRUE(appointments().empty());
}

TEST_F(BookTest, BookingAnUnknownOrMalformedSlotIdIsPermanent) {
    auto& b = book();
    const auto slot = flu(b).front();
    Appointment a;
    std::string unknown = slot.id;
    unknown.replace(0, unknown.find('~'), "99999");
    const auto r = b.book(unknown, patient(), "", a);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("REFERENCE_NOT_FOUND"), std::string::npos) << r.message;
    EXPECT_EQ(b.book("not-a-slot", patient(), "", a).status, Status::permanent);
    EXPECT_TRUE(appointments().empty());
}

TEST_F(BookTest, BookingUsesThePatientsBookIdWithoutSearchingForThem) {
    auto& b = book();
    const auto slot = flu(b).front();
    clearLog();
    Patient p = patient(kOtherNhs);
    p.bookId = "2";
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, p, "", a).ok());
    EXPECT_EQ(count(requests(), "GET", "/Patient?"), 0);
    EXPECT_EQ(appointments().at(0)->getValue<std::string>("patient_id"), "2");
}

TEST_F(BookTest, ASlotFoundByAnotherHubProcessIsBookedWithItsFullDescription) {
    auto& searcher = book();
    const auto slot = flu(searcher).at(1);
    auto& other = book(); // a second instance has never searched
    Appointment a;
    ASSERT_TRUE(other.book(slot.id, patient(), "", a).ok());
    EXPECT_EQ(a.slot.slotType, "Flu clinic");
    EXPECT_EQ(a.slot.clinician, "Nurse Nina Example");
    EXPECT_EQ(a.slot.start, slot.start);
}

TEST_F(BookTest, CancelFreesTheSlotAndGivesTheReason) {
    auto& b = book(config(R"(, "cancellation_reason": "Patient cancelled via clinhub")"));
    const auto slot = flu(b).front();
    Appointment a;
    ASSERT_TRUE(b.book(slot.id, patient(), "", a).ok());
    const auto r = b.cancel(a.id);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto held = appointments();
    EXPECT_EQ(held.at(0)->getValue<std::string>("status"), "cancelled");
    EXPECT_EQ(held.at(0)->getValue<std::string>("cancellation_reason"), "Patient cancelled via clinhub");
    EXPECT_EQ(flu(b).front().id, slot.id);
    Appointment again;
    EXPECT_TRUE(b.book(slot.id, patient(kOtherNhs), "", again).ok());
}

TEST_F(BookTest, CancellingTwiceIsHarmlessAndAnUnknownAppointmentIsPermanent) {
    auto& b = book();
    Appointment a;
    ASSERT_TRUE(b.book(flu(b).front().id, patient(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    EXPECT_TRUE(b.cancel(a.id).ok());
    EXPECT_EQ(b.cancel("424242").status, Status::permanent);
    EXPECT_EQ(b.cancel("../Patient").status, Status::permanent);
}

TEST_F(BookTest, CancelReadsAgainWhenTheAppointmentChangedSinceItWasRead) {
    auto& b = book();
    Appointment a;
    ASSERT_TRUE(b.book(flu(b).front().id, patient(), "", a).ok());
    cannedReply(409, "application/fhir+json", outcome("CONFLICT", "version mismatch"), "PUT");
    clearLog();
    const auto r = b.cancel(a.id);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(count(requests(), "PUT", "/Appointment/"), 2);
    EXPECT_EQ(count(requests(), "GET", "/Appointment/"), 2);
    EXPECT_EQ(appointments().at(0)->getValue<std::string>("status"), "cancelled");
}

TEST_F(BookTest, ACancellationWhoseAnswerWasLostIsConfirmedByReadingAgain) {
    auto& b = book();
    Appointment a;
    ASSERT_TRUE(b.book(flu(b).front().id, patient(), "", a).ok());
    sim_->setFaults(R"({"after_commit_rate": 1})");
    const auto r = b.cancel(a.id);
    sim_->clearFaults();
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(appointments().at(0)->getValue<std::string>("status"), "cancelled");
    EXPECT_EQ(appointments().at(0)->getValue<int>("version"), 2);
}

TEST_F(BookTest, RescheduleBooksTheNewSlotBeforeCancellingTheOld) {
    auto& b = book();
    const auto slots = flu(b);
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", a).ok());
    clearLog();
    Appointment moved;
    const auto r = b.reschedule(a.id, slots[3].id, moved);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_NE(moved.id, a.id) << "GP Connect moves an appointment by booking anew";
    EXPECT_EQ(moved.slot.id, slots[3].id);
    EXPECT_EQ(moved.slot.start, slots[3].start);
    const auto log = requests();
    const auto post = std::find_if(log.begin(), log.end(), [](auto& e) { return e.method == "POST"; });
    const auto put = std::find_if(log.begin(), log.end(), [](auto& e) { return e.method == "PUT"; });
    ASSERT_NE(post, log.end());
    ASSERT_NE(put, log.end());
    EXPECT_LT(post - log.begin(), put - log.begin());
    const auto held = appointments();
    ASSERT_EQ(held.size(), 2U);
    EXPECT_EQ(held[0]->getValue<std::string>("status"), "cancelled");
    EXPECT_EQ(held[1]->getValue<std::string>("status"), "booked");
    EXPECT_EQ(held[1]->getValue<std::string>("nhs_number"), kNhs);
    EXPECT_EQ(flu(b).front().id, slots[0].id);
}

TEST_F(BookTest, RescheduleToATakenSlotIsAConflictAndKeepsTheOldAppointment) {
    auto& b = book();
    const auto slots = flu(b);
    Appointment mine;
    Appointment theirs;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", mine).ok());
    ASSERT_TRUE(b.book(slots[1].id, patient(kOtherNhs), "", theirs).ok());
    Appointment moved;
    EXPECT_EQ(b.reschedule(mine.id, slots[1].id, moved).status, Status::conflict);
    const auto held = appointments();
    ASSERT_EQ(held.size(), 2U);
    EXPECT_EQ(held[0]->getValue<std::string>("status"), "booked");
    EXPECT_EQ(held[1]->getValue<std::string>("status"), "booked");
}

TEST_F(BookTest, RescheduleOfACancelledAppointmentIsRefused) {
    auto& b = book();
    const auto slots = flu(b);
    Appointment a;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", a).ok());
    ASSERT_TRUE(b.cancel(a.id).ok());
    Appointment moved;
    EXPECT_EQ(b.reschedule(a.id, slots[1].id, moved).status, Status::permanent);
    EXPECT_EQ(appointments().size(), 1U);
}

TEST_F(BookTest, WriteCodeRecordsOneObservationHoweverOftenItIsRetried) {
    auto& b = book();
    ASSERT_TRUE(b.writeCode(patient(), "822931000000100", "Seasonal influenza vaccination declined").ok());
    ASSERT_TRUE(b.writeCode(patient(), "822931000000100", "Seasonal influenza vaccination declined").ok());
    const auto records = inspect("records");
    ASSERT_EQ(records->size(), 1U);
    EXPECT_EQ(records->getObject(0)->getValue<std::string>("nhs_number"), kNhs);
    EXPECT_EQ(records->getObject(0)->getValue<std::string>("code"), "822931000000100");
    EXPECT_EQ(records->getObject(0)->getValue<std::string>("term"), "Seasonal influenza vaccination declined");
    ASSERT_TRUE(b.writeCode(patient(), "1240651000000109", "Seasonal influenza vaccination booked").ok());
    EXPECT_EQ(inspect("records")->size(), 2U);
}

TEST_F(BookTest, WriteCodeRefusesWhatIsNotACodedEntry) {
    auto& b = book();
    EXPECT_EQ(b.writeCode(patient(), "not-a-code", "x").status, Status::permanent);
    EXPECT_EQ(b.writeCode(patient(), "822931000000100", "").status, Status::permanent);
    EXPECT_EQ(b.writeCode(patient(kUnknownNhs), "822931000000100", "x").status, Status::permanent);
    EXPECT_EQ(inspect("records")->size(), 0U);
}

TEST_F(BookTest, WriteCodeIsRefusedWhenConfiguredUnsupported) {
    auto& b = book(config(R"(, "coded_entries": {"mode": "unsupported"})"));
    const auto r = b.writeCode(patient(), "822931000000100", "Seasonal influenza vaccination declined");
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("not part of GP Connect"), std::string::npos) << r.message;
    EXPECT_EQ(inspect("records")->size(), 0U);
}

TEST_F(BookTest, FindPatientReturnsTheBooksPatientWithANormalisedMobile) {
    auto& b = book();
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient("999 526 0182", found).ok());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->nhsNumber, kNhs);
    EXPECT_EQ(found->dateOfBirth, "1956-03-14");
    EXPECT_EQ(found->mobile, "+447700900123");
    EXPECT_EQ(found->name, "Testy McTestface");
    EXPECT_EQ(found->bookId, "1");
}

TEST_F(BookTest, FindPatientReturnsNothingForAnUnknownNumberAndRefusesAnInvalidOne) {
    auto& b = book();
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient(kUnknownNhs, found).ok());
    EXPECT_FALSE(found.has_value());
    EXPECT_EQ(b.findPatient("9995260183", found).status, Status::permanent);
}

TEST_F(BookTest, RequestsGoThroughTheSpineSecurityProxyWhenOneIsConfigured) {
    const std::string json = config(R"(, "ssp_url": ")" + sim_->url() + R"(")");
    // The provider endpoint is a name the proxy resolves; the simulator plays both.
    auto& b =
        book(std::string(json).replace(json.find(sim_->url()), sim_->url().size(), "https://gpc.provider.invalid"));
    clearLog();
    const auto slots = flu(b);
    ASSERT_FALSE(slots.empty());
    Appointment a;
    ASSERT_TRUE(b.book(slots.front().id, patient(), "", a).ok());
    // The provider checks the JWT aud against the endpoint named after the proxy's address.
    const auto log = requests();
    EXPECT_GE(log.size(), 3U);
    for (const auto& e : log)
        EXPECT_LT(e.status, 300) << e.method << " " << e.path;
}

TEST_F(BookTest, EveryRequestTheConnectorMakesPassesTheProvidersChecks) {
    auto& b = book();
    const auto slots = flu(b, 20);
    std::vector<std::string> types;
    ASSERT_TRUE(b.slotTypes({tomorrowUtc(), tomorrowUtc() + kDay}, types).ok());
    Appointment a;
    Appointment moved;
    ASSERT_TRUE(b.book(slots[0].id, patient(), "", a).ok());
    ASSERT_TRUE(b.reschedule(a.id, slots[1].id, moved).ok());
    ASSERT_TRUE(b.cancel(moved.id).ok());
    ASSERT_TRUE(b.writeCode(patient(), "822931000000100", "Seasonal influenza vaccination declined").ok());
    std::optional<Patient> found;
    ASSERT_TRUE(b.findPatient(kOtherNhs, found).ok());
    const auto log = requests();
    EXPECT_GE(log.size(), 10U);
    for (const auto& e : log)
        EXPECT_LT(e.status, 300) << e.method << " " << e.path << " (" << e.interaction << ")";
}

} // namespace
