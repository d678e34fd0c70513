#include "Fixture.h"

#include "WallClock.h"

#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace systmone {

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

int minuteOfDay(const std::string& text) {
    int h = 0, m = 0;
    if (text.size() != 5 || std::sscanf(text.c_str(), "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59)
        throw std::runtime_error("time '" + text + "' is not HH:MM");
    return h * 60 + m;
}

int weekday(const std::string& name) {
    static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    for (int i = 0; i < 7; ++i)
        if (name == names[i]) return i;
    throw std::runtime_error("weekday '" + name + "' is not one of sun, mon, tue, wed, thu, fri, sat");
}

void addSessions(Book& book, std::size_t clinic, const Array& sessions, int days) {
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        const auto s = sessions.getObject(static_cast<unsigned>(i));
        const std::string type = s->getValue<std::string>("slot_type");
        const int start = minuteOfDay(s->getValue<std::string>("start"));
        const int end = minuteOfDay(s->getValue<std::string>("end"));
        const int length = s->getValue<int>("slot_minutes");
        if (length <= 0) throw std::runtime_error("slot_minutes must be positive");
        std::set<int> weekdays;
        const auto names = s->getArray("weekdays");
        for (std::size_t w = 0; names && w < names->size(); ++w)
            weekdays.insert(weekday(names->getElement<std::string>(static_cast<unsigned>(w))));
        for (int day = 1; day <= days; ++day) {
            if (!weekdays.contains(localWeekday(day))) continue;
            for (int m = start; m + length <= end; m += length)
                book.addSlot(clinic, type, localTimeOn(day, m), length);
        }
    }
}

} // namespace

Access loadFixture(const std::string& path, Book& book) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read fixture " + path);
    std::ostringstream text;
    text << in.rdbuf();
    try {
        const auto root = Poco::JSON::Parser().parse(text.str()).extract<Object::Ptr>();
        setPracticeZone(root->optValue<std::string>("timezone", "Europe/London"));
        Access access;
        access.apiKey = root->getValue<std::string>("api_key");
        const auto devices = root->getArray("devices");
        for (std::size_t i = 0; devices && i < devices->size(); ++i)
            access.devices.insert(devices->getElement<std::string>(static_cast<unsigned>(i)));
        const auto patients = root->getArray("patients");
        for (std::size_t i = 0; patients && i < patients->size(); ++i) {
            const auto p = patients->getObject(static_cast<unsigned>(i));
            book.addPatient({p->getValue<std::string>("patient_id"), p->getValue<std::string>("nhs_number"),
                             p->optValue<std::string>("title", ""), p->getValue<std::string>("first_name"),
                             p->getValue<std::string>("surname"), p->getValue<std::string>("date_of_birth"),
                             p->optValue<std::string>("mobile", "")});
        }
        const int days = root->optValue<int>("days", 28);
        const auto clinics = root->getArray("clinics");
        for (std::size_t i = 0; clinics && i < clinics->size(); ++i) {
            const auto c = clinics->getObject(static_cast<unsigned>(i));
            const std::size_t id =
                book.addClinic({c->getValue<std::string>("user_name"), c->getValue<std::string>("site_name"),
                                c->getValue<std::string>("clinic_type")});
            if (const auto sessions = c->getArray("sessions")) addSessions(book, id, *sessions, days);
        }
        return access;
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("fixture " + path + ": " + e.displayText());
    } catch (const std::exception& e) {
        throw std::runtime_error("fixture " + path + ": " + e.what());
    }
}

} // namespace systmone
