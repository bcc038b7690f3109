import Foundation
import LastMileBooking
import LastMileCore
import LastMileStorage
import LastMileTestSupport
import Testing

/// The console's judgements about orders (issue 13): late, at risk, and the accepted trip drawn from plans.
@Suite("Console: late and at-risk orders")
struct ConsoleAttentionTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    func order(_ id: String, status: OrderStatus, windowEndsIn minutes: Double, plan: TripPlan? = nil, delivered: Date? = nil) -> OrderRecord {
        var o = sampleOrder(id, at: now)
        o.windowStart = now.addingTimeInterval(minutes * 60 - 7200)
        o.windowEnd = now.addingTimeInterval(minutes * 60)
        o.status = status
        o.plan = plan
        o.deliveredAt = delivered
        return o
    }

    @Test func lateAtRiskAndFine() {
        let late = order("late", status: .staged, windowEndsIn: -1)
        let soonNotLeft = order("soon", status: .atStore, windowEndsIn: 20)
        let soonOnTheWay = order("driving", status: .delivering, windowEndsIn: 20)
        let planLate = order(
            "plan",
            status: .acknowledgedForDelivery,
            windowEndsIn: 90,
            plan: TripPlan(
                acceptedAt: now,
                atStore: now,
                departure: now,
                arrival: now.addingTimeInterval(91 * 60),
                delivered: now.addingTimeInterval(92 * 60)
            )
        )
        let fine = order("fine", status: .brandNew, windowEndsIn: 120)
        let done = order("done", status: .delivered, windowEndsIn: -60, delivered: now.addingTimeInterval(-3700))
        let canceled = order("gone", status: .canceled, windowEndsIn: -60)
        let attention = NetworkOverview.attention([fine, done, canceled, soonOnTheWay, planLate, soonNotLeft, late], now: now)
        #expect(attention.map(\.order.orderID) == ["late", "soon", "plan"])
        #expect(attention.map(\.kind) == [.late, .atRisk, .atRisk])
    }

    @Test func lateness() {
        #expect(ConsoleService.isLate(order("a", status: .staged, windowEndsIn: -1), now: now))
        #expect(!ConsoleService.isLate(order("b", status: .staged, windowEndsIn: 1), now: now))
        #expect(!ConsoleService.isLate(order("c", status: .canceled, windowEndsIn: -100), now: now))
        #expect(
            !ConsoleService.isLate(order("d", status: .delivered, windowEndsIn: -100, delivered: now.addingTimeInterval(-100 * 60 - 1)), now: now)
        )
        #expect(ConsoleService.isLate(order("e", status: .delivered, windowEndsIn: -100, delivered: now.addingTimeInterval(-100 * 60 + 1)), now: now))
    }

    @Test func anAcceptedTripIsDrawnFromItsOrdersPlans() {
        let departure = now.addingTimeInterval(600)
        var first = order("first", status: .delivering, windowEndsIn: 120)
        var plan1 = TripPlan(
            acceptedAt: now,
            atStore: now,
            pickup: now.addingTimeInterval(300),
            departure: departure,
            arrival: departure.addingTimeInterval(900),
            delivered: departure.addingTimeInterval(1200),
            returnAt: departure.addingTimeInterval(3000)
        )
        plan1.stop = 1
        first.plan = plan1
        var second = order("second", status: .delivered, windowEndsIn: 120, delivered: departure.addingTimeInterval(2000))
        var plan2 = plan1
        plan2.arrival = departure.addingTimeInterval(1800)
        plan2.delivered = departure.addingTimeInterval(2000)
        second.plan = plan2
        let trips = ConsoleService.acceptedTrips([second, first], now: now)
        #expect(trips.count == 1)
        let trip = trips[0]
        #expect(trip.accepted)
        #expect(trip.stops.map(\.orderID) == ["first", "second"])
        #expect(trip.stops.map(\.state) == [.planned, .onTime])
        #expect(trip.segments.map(\.kind) == [.waiting, .pickup, .driving, .dropoff, .driving, .dropoff, .driving])
        #expect(trip.start == now && trip.end == departure.addingTimeInterval(3000))
    }
}
