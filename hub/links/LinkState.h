// A link's states and the moves between them, in one place.
//
// A link's life: sent → accessed → booking → booked (→ booking → rescheduled …) (→ booking → cancelled), or
// declined, expired, deleted or locked (five wrong dates of birth). `failed` (its invite SMS could not be sent) and
// `expired` for an unused link past its date are also derived on reading, from facts kept elsewhere.
//
// Every change of state is one of the named moves below, made by LinkRepository::move() as one conditional
// UPDATE: a move whose link is no longer in one of its `from` states does nothing, so two requests racing
// for the same link cannot both make it (one link never books twice, even from two tabs at once).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

namespace clinhub::links {

enum class LinkState : uint8_t {
    sent,
    accessed,
    booking,
    booked,
    rescheduled,
    declined,
    expired,
    deleted,
    failed,
    locked,
    cancelled // its appointment was cancelled, by the patient or by staff
};

// The word the store, the staff API and the logs use.
std::string_view toString(LinkState state);
std::optional<LinkState> linkStateFrom(std::string_view word);
inline std::ostream& operator<<(std::ostream& out, LinkState state) { return out << toString(state); }

// Not yet used to book: may still be opened, booked, declined or expire.
constexpr bool unused(LinkState s) { return s == LinkState::sent || s == LinkState::accessed; }
// Holds an appointment.
constexpr bool booked(LinkState s) { return s == LinkState::booked || s == LinkState::rescheduled; }

struct Move {
    std::string_view name;
    uint16_t from = 0; // a set of LinkState, one bit each
    LinkState to = LinkState::sent;
    bool beforeExpiry = false; // only while the link has not passed its expiry

    [[nodiscard]] constexpr bool allows(LinkState s) const { return (from & (1U << static_cast<unsigned>(s))) != 0; }
};

namespace detail {
constexpr uint16_t states(std::initializer_list<LinkState> list) {
    uint16_t set = 0;
    for (const LinkState s : list)
        set = static_cast<uint16_t>(set | (1U << static_cast<unsigned>(s)));
    return set;
}
} // namespace detail

// Every move a link can make. Nothing else changes a link's state.
namespace moves {
using enum LinkState;
using detail::states;
// The patient opened the link for the first time.
inline constexpr Move open{"open", states({sent}), accessed};
// The patient chose a slot: the link is held while the book is asked, so a second request cannot book too.
inline constexpr Move startBooking{"start_booking", states({sent, accessed}), booking, true};
inline constexpr Move startRescheduling{"start_rescheduling", states({booked, rescheduled}), booking};
// The book took the appointment.
inline constexpr Move finishBooking{"finish_booking", states({booking}), booked};
inline constexpr Move finishRescheduling{"finish_rescheduling", states({booking}), rescheduled};
// The book cancelled the appointment (held as booking while it was asked, as a reschedule is).
inline constexpr Move finishCancelling{"finish_cancelling", states({booking}), cancelled};
// The book did not take it: back to where the link was.
inline constexpr Move abandonBooking{"abandon_booking", states({booking}), accessed};
inline constexpr Move abandonRescheduling{"abandon_rescheduling", states({booking}), booked};
inline constexpr Move abandonRebooking{"abandon_rebooking", states({booking}), rescheduled};
inline constexpr Move decline{"decline", states({sent, accessed}), declined, true};
// Too many wrong dates of birth, whatever the link was doing.
inline constexpr Move lock{
    "lock", states({sent, accessed, booking, booked, rescheduled, declined, expired, locked, cancelled}), locked};
// Staff stop a link working (the patient booked by phone).
inline constexpr Move expireByStaff{"expire", states({sent, accessed, locked}), expired};
inline constexpr Move remove{
    "delete", states({sent, accessed, locked, expired, declined, booked, rescheduled, cancelled}), deleted};
// Its time ran out unused.
inline constexpr Move lapse{"lapse", states({sent, accessed}), expired};
} // namespace moves

} // namespace clinhub::links
