#include <clinhub/kit/UkTime.hpp>

#include "hub/api/VaccinationApi.h"

#include "hub/api/ApiSupport.h"
#include "hub/batch/CsvReader.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/String.h>

#include <sstream>

namespace clinhub::api {
namespace {

using http::Request;
using http::Response;
using Poco::JSON::Array;
using Poco::JSON::Object;
using workflows::FieldError;

const std::string kCampaign = "/api/v1/organisations/{ods}/campaigns/{campaign}";
const std::string kClinics = kCampaign + "/clinics";
const std::string kMembers = kCampaign + "/members";
const std::string kMember = kMembers + "/{id}";
const std::string kScheduledInvites = kCampaign + "/scheduled-invites";

// Who an invite is for: the filters of a bulk invite, or chosen members.
workflows::InviteRequest inviteRequestFrom(const Object::Ptr& body, std::vector<FieldError>& errors) {
    workflows::InviteRequest r;
    r.dose = intField(body, "dose", errors).value_or(0);
    r.status = stringField(body, "status", "status", errors);
    r.dose1Week = stringField(body, "dose1_week", "dose1_week", errors);
    if (const auto ids = body->getArray("member_ids"))
        for (std::size_t i = 0; i < ids->size(); ++i)
            r.memberIds.push_back(ids->get(i).convert<std::string>());
    r.message = stringField(body, "message", "message", errors);
    return r;
}

Object::Ptr scheduledInviteJson(const workflows::ScheduledInvite& round) {
    auto out = object();
    out->set("id", round.id);
    out->set("dose", round.request.dose);
    out->set("status", round.request.status.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(round.request.status));
    out->set("dose1_week",
             round.request.dose1Week.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(round.request.dose1Week));
    Array::Ptr members = new Array;
    for (const auto& id : round.request.memberIds)
        members->add(id);
    out->set("member_ids", members);
    out->set("message",
             round.request.message.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(round.request.message));
    out->set("at", isoUtc(round.at));
    out->set("state", round.state);
    out->set("error", round.error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(round.error));
    return out;
}

Object::Ptr clinicJson(const workflows::Clinic& c) {
    auto out = object();
    out->set("id", c.id);
    out->set("dose", c.dose);
    auto vaccine = object();
    vaccine->set("code", c.vaccine.code);
    vaccine->set("term", c.vaccine.term);
    out->set("vaccine", vaccine);
    out->set("location", c.location);
    out->set("starts_at", isoUtc(c.startsAt * 1'000'000));
    out->set("ends_at", isoUtc(c.endsAt * 1'000'000));
    out->set("when", kit::ukWhenText(c.startsAt));
    out->set("capacity", c.capacity);
    out->set("booked", c.booked);
    out->set("places_left", c.placesLeft());
    out->set("published", c.published);
    out->set("community", c.community);
    out->set("school_urn", c.schoolUrn.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(c.schoolUrn));
    return out;
}

Array::Ptr clinicsJson(const std::vector<workflows::Clinic>& clinics) {
    Array::Ptr out = new Array;
    for (const auto& c : clinics)
        out->add(clinicJson(c));
    return out;
}

Poco::Dynamic::Var orNull(const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); }

// Staff see who a member is: this is their own cohort.
Object::Ptr memberJson(const workflows::Member& m) {
    auto out = object();
    out->set("id", m.id);
    out->set("status", m.status);
    out->set("nhs_number", m.patient.nhsNumber);
    out->set("name", orNull(m.patient.name));
    out->set("date_of_birth", m.patient.dateOfBirth);
    out->set("mobile", orNull(m.patient.mobile));
    out->set("email", orNull(m.email));
    out->set("school_urn", orNull(m.schoolUrn));
    out->set("doses_received", m.doses);
    if (!m.dose1On.empty()) {
        auto first = object();
        first->set("date", m.dose1On);
        first->set("vaccine_code", m.dose1Vaccine.code);
        first->set("vaccine_term", m.dose1Vaccine.term);
        out->set("dose1", first);
    } else {
        out->set("dose1", Poco::Dynamic::Var());
    }
    out->set("check_error", orNull(m.checkError));
    out->set("consent", orNull(m.consent));
    if (!m.events.empty()) {
        Array::Ptr events = new Array;
        for (const auto& e : m.events) {
            auto event = object();
            event->set("at", isoUtc(e.at));
            event->set("event", e.event);
            event->set("detail", orNull(e.detail));
            events->add(event);
        }
        out->set("activity", events);
    }
    return out;
}

Array::Ptr membersJson(const std::vector<workflows::Member>& members) {
    Array::Ptr out = new Array;
    for (const auto& m : members)
        out->add(memberJson(m));
    return out;
}

Object::Ptr countsJson(const std::map<std::string, int64_t>& counts) {
    auto out = object();
    for (const auto& [key, value] : counts)
        out->set(key, value);
    return out;
}

bool userFacing(const Request& request) {
    const auto options = request.query("options").value_or("patient");
    if (options != "patient" && options != "user")
        throw workflows::InvalidRequest(
            std::vector<FieldError>{{"options", "must be patient (what the patient would see) or user"}});
    return options == "user";
}

// Who was left out of an invite or reminder, and why.
Array::Ptr skippedJson(const std::vector<std::pair<workflows::Member, std::string>>& skipped) {
    Array::Ptr out = new Array;
    for (const auto& [member, why] : skipped) {
        auto s = object();
        s->set("id", member.id);
        s->set("reason", why);
        out->add(s);
    }
    return out;
}

// The SMS a send uses, as checked (workflows/InviteText.h).
void setMessage(Object& out, const workflows::InviteText& text) {
    out.set("message", text.text);
    out.set("sms_fragments", text.fragments);
}

Object::Ptr planJson(const workflows::CommunityPlan& plan, bool sent) {
    auto out = object();
    out->set("sent", sent);
    setMessage(*out, plan.message);
    out->set("clinic_date", plan.clinicDate);
    out->set("count", static_cast<int64_t>(plan.reach.size()));
    out->set("children", membersJson(plan.reach));
    out->set("skipped", skippedJson(plan.skipped));
    return out;
}

class VaccinationApi {
public:
    VaccinationApi(workflows::Clinics& clinics, workflows::Cohorts& cohorts, workflows::CommunityClinics& community)
        : clinics_(clinics), cohorts_(cohorts), community_(community) {}

    void missedSession(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const bool send = boolField(body, "send", errors).value_or(false);
        const auto message = stringField(body, "message", "message", errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        response.json(planJson(community_.missedSchoolSession(request.param("ods"), request.param("campaign"),
                                                              request.param("id"), send, by, message),
                               send),
                      send ? 202 : 200);
    }

    void reminders(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const bool send = boolField(body, "send", errors).value_or(false);
        const auto message = stringField(body, "message", "message", errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        response.json(
            planJson(community_.bookingReminders(request.param("ods"), request.param("campaign"), send, by, message),
                     send),
            send ? 202 : 200);
    }

    void inviteTomorrow(const audit::Context& by, Request& request, Response& response) {
        community_.inviteTomorrow(request.param("ods"), request.param("campaign"), request.param("id"), by);
        response.status(202);
    }

    void walkIn(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto clinic = stringField(body, "clinic_id", "clinic_id", errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto added =
            community_.addWalkIn(request.param("ods"), request.param("campaign"), request.param("id"), clinic, by);
        auto out = object();
        out->set("booking", added.id);
        out->set("clinic_id", added.slot.id);
        response.json(out, 201);
    }

    void consentRequest(const audit::Context& by, Request& request, Response& response) {
        community_.requestConsent(request.param("ods"), request.param("campaign"), request.param("id"), by);
        response.status(202);
    }

    void consent(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto answer = stringField(body, "response", "response", errors);
        const auto notes = stringField(body, "notes", "notes", errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        community_.recordConsent(request.param("ods"), request.param("campaign"), request.param("id"), answer, notes,
                                 by);
        const auto m = cohorts_.find(request.param("ods"), request.param("campaign"), request.param("id"));
        response.json(memberJson(*m));
    }

    void createClinic(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        workflows::NewClinic c;
        c.dose = stringField(body, "dose", "dose", errors);
        if (const auto vaccine = body->getObject("vaccine"))
            c.vaccine = {stringField(vaccine, "code", "vaccine.code", errors),
                         stringField(vaccine, "term", "vaccine.term", errors)};
        c.location = stringField(body, "location", "location", errors);
        c.date = stringField(body, "date", "date", errors);
        c.start = stringField(body, "start", "start", errors);
        c.end = stringField(body, "end", "end", errors);
        c.capacity = intField(body, "capacity", errors).value_or(0);
        c.published = boolField(body, "published", errors).value_or(false);
        c.community = boolField(body, "community", errors).value_or(false);
        c.schoolUrn = stringField(body, "school_urn", "school_urn", errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto clinic = clinics_.create(request.param("ods"), request.param("campaign"), c, by);
        response.json(clinicJson(clinic), 201);
    }

    void listClinics(const audit::Context& /*by*/, Request& request, Response& response) {
        const auto view = request.query("view").value_or("staff");
        if (view != "staff" && view != "patient")
            return unprocessable(request, response, {{"view", "must be staff or patient"}});
        auto out = object();
        out->set("clinics",
                 clinicsJson(clinics_.list(request.param("ods"), request.param("campaign"), view == "patient")));
        response.json(out);
    }

    void updateClinic(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        workflows::ClinicChange change;
        change.published = boolField(body, "published", errors);
        change.capacity = intField(body, "capacity", errors);
        // Only the members sent change; each is checked by the workflow, as a new clinic's are.
        const auto text = [&](const std::string& name) -> std::optional<std::string> {
            if (!body->has(name)) return std::nullopt;
            return stringField(body, name, name, errors);
        };
        change.dose = text("dose");
        change.location = text("location");
        change.date = text("date");
        change.start = text("start");
        change.end = text("end");
        if (const auto vaccine = body->getObject("vaccine"))
            change.vaccine = config::Code{stringField(vaccine, "code", "vaccine.code", errors),
                                          stringField(vaccine, "term", "vaccine.term", errors)};
        if (!errors.empty()) return unprocessable(request, response, errors);
        response.json(clinicJson(
            clinics_.update(request.param("ods"), request.param("campaign"), request.param("id"), change, by)));
    }

    void uploadCohort(const audit::Context& by, Request& request, Response& response) {
        const auto type = Poco::toLower(request.header("Content-Type").value_or(""));
        if (!type.starts_with("text/csv"))
            return response.problem(415, "send the cohort as text/csv, the file as it was saved");
        try {
            const auto result =
                cohorts_.upload(request.param("ods"), request.param("campaign"), request.bodyStream(), by);
            auto out = object();
            out->set("accepted", result.accepted);
            out->set("by_status", countsJson(result.byStatus));
            Array::Ptr rejected = new Array;
            for (const auto& r : result.rejected) {
                auto row = object();
                row->set("row", r.row);
                row->set("reason", r.reason);
                rejected->add(row);
            }
            out->set("rejected", rejected);
            response.json(out);
        } catch (const batch::FileError& e) {
            fileRefused(request, response, e);
        }
    }

    // A page at a time, by dose 1's date then NHS number: ?after= the next_after of the page before, with the
    // same filters.
    void listMembers(const audit::Context& /*by*/, Request& request, Response& response) {
        std::vector<FieldError> errors;
        const int limit = limitQuery(request, errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto listing =
            cohorts_.list(request.param("ods"), request.param("campaign"), request.query("status").value_or(""),
                          request.query("dose1_week").value_or(""), request.query("after").value_or(""), limit);
        auto out = object();
        out->set("counts", countsJson(listing.counts));
        Array::Ptr weeks = new Array;
        for (const auto& [week, count] : listing.weeks) {
            auto w = object();
            w->set("dose1_week", week);
            w->set("count", count);
            weeks->add(w);
        }
        out->set("awaiting_2nd_invite_by_week", weeks);
        out->set("selected", listing.selected);
        out->set("members", membersJson(listing.members));
        out->set("next_after", listing.next.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(listing.next));
        response.json(out);
    }

    void getMember(const audit::Context& /*by*/, Request& request, Response& response) {
        const auto m = cohorts_.find(request.param("ods"), request.param("campaign"), request.param("id"));
        if (!m) return response.problem(404, "no such member");
        response.json(memberJson(*m));
    }

    void invite(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        auto r = inviteRequestFrom(body, errors);
        r.send = boolField(body, "send", errors).value_or(false);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto plan = cohorts_.invite(request.param("ods"), request.param("campaign"), r, by);
        auto out = object();
        out->set("sent", r.send);
        setMessage(*out, plan.message);
        out->set("invite", membersJson(plan.invite));
        out->set("to_manually_book", membersJson(plan.manual));
        out->set("skipped", skippedJson(plan.skipped));
        response.json(out, r.send ? 202 : 200);
    }

    void scheduleInvite(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto r = inviteRequestFrom(body, errors);
        const auto at = instantField(body, "at", errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto round = cohorts_.scheduleInvite(request.param("ods"), request.param("campaign"), r, *at, by);
        response.json(scheduledInviteJson(round), 201);
        response.header("Location", resourcePath(request.param("ods"), "campaigns", request.param("campaign")) +
                                        "/scheduled-invites/" + round.id);
    }

    void listScheduledInvites(const audit::Context& /*by*/, Request& request, Response& response) {
        Array::Ptr rounds = new Array;
        for (const auto& round : cohorts_.scheduledInvites(request.param("ods"), request.param("campaign")))
            rounds->add(scheduledInviteJson(round));
        auto out = object();
        out->set("scheduled_invites", rounds);
        response.json(out);
    }

    void cancelScheduledInvite(const audit::Context& by, Request& request, Response& response) {
        try {
            response.json(scheduledInviteJson(cohorts_.cancelScheduledInvite(
                request.param("ods"), request.param("campaign"), request.param("id"), by)));
        } catch (const workflows::ScheduleConflict& e) {
            response.problem(409, e.what());
        }
    }

    void memberClinics(const audit::Context& /*by*/, Request& request, Response& response) {
        auto out = object();
        out->set("clinics", clinicsJson(cohorts_.bookingOptions(request.param("ods"), request.param("campaign"),
                                                                request.param("id"), userFacing(request))));
        response.json(out);
    }

    void bookMember(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto clinic = stringField(body, "clinic_id", "clinic_id", errors);
        const auto options = stringField(body, "options", "options", errors);
        if (options != "patient" && options != "user") errors.push_back({"options", "must be patient or user"});
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto booked = cohorts_.bookForMember(request.param("ods"), request.param("campaign"), request.param("id"),
                                                   clinic, options == "user", by);
        auto out = object();
        out->set("booking", booked.id);
        out->set("clinic_id", booked.slot.id);
        out->set("when", kit::ukWhenText(booked.slot.start));
        out->set("location", booked.slot.location);
        response.json(out, 201);
    }

private:
    workflows::Clinics& clinics_;
    workflows::Cohorts& cohorts_;
    workflows::CommunityClinics& community_;
};

const std::vector<Route<VaccinationApi>>& table() {
    static const std::vector<Route<VaccinationApi>> all{
        {{"POST", kClinics, Role::staff, "createClinic", true}, &VaccinationApi::createClinic},
        {{"GET", kClinics, Role::viewer, "listClinics"}, &VaccinationApi::listClinics},
        {{"PATCH", kClinics + "/{id}", Role::staff, "updateClinic", true}, &VaccinationApi::updateClinic},
        {{"PUT", kCampaign + "/cohort", Role::staff, "uploadCohort", true}, &VaccinationApi::uploadCohort},
        {{"GET", kMembers, Role::viewer, "listMembers"}, &VaccinationApi::listMembers},
        {{"GET", kMember, Role::viewer, "getMember"}, &VaccinationApi::getMember},
        {{"POST", kCampaign + "/invites", Role::staff, "inviteMembers", true}, &VaccinationApi::invite},
        {{"POST", kScheduledInvites, Role::staff, "scheduleInvites", true}, &VaccinationApi::scheduleInvite},
        {{"GET", kScheduledInvites, Role::viewer, "listScheduledInvites"}, &VaccinationApi::listScheduledInvites},
        {{"DELETE", kScheduledInvites + "/{id}", Role::staff, "cancelScheduledInvites", true},
         &VaccinationApi::cancelScheduledInvite},
        {{"GET", kMember + "/clinics", Role::viewer, "memberBookingOptions"}, &VaccinationApi::memberClinics},
        {{"POST", kMember + "/bookings", Role::staff, "bookMember", true}, &VaccinationApi::bookMember},
        {{"POST", kClinics + "/{id}/clinic-invitations", Role::staff, "missedSessionInvitations", true},
         &VaccinationApi::missedSession},
        {{"POST", kCampaign + "/community/reminders", Role::staff, "bookingReminders", true},
         &VaccinationApi::reminders},
        {{"POST", kMember + "/community-invite", Role::staff, "inviteChildTomorrow", true},
         &VaccinationApi::inviteTomorrow},
        {{"POST", kMember + "/walk-in", Role::staff, "addWalkIn", true}, &VaccinationApi::walkIn},
        {{"POST", kMember + "/consent-requests", Role::staff, "requestConsent", true}, &VaccinationApi::consentRequest},
        {{"POST", kMember + "/consent", Role::staff, "recordConsent", true}, &VaccinationApi::consent},
    };
    return all;
}

} // namespace

const std::vector<RouteName>& vaccinationApiRoutes() {
    static const std::vector<RouteName> names = namesOf(table());
    return names;
}

void addVaccinationApi(http::Router& router, workflows::Clinics& clinics, workflows::Cohorts& cohorts,
                       workflows::CommunityClinics& community, staff::SignIn& signIn, audit::AuditLog& audit) {
    addRoutes(router, signIn, audit, std::make_shared<VaccinationApi>(clinics, cohorts, community), table());
}

} // namespace clinhub::api
