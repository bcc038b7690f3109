import Foundation
import LastMileCore
import LastMileStorage

/// §2.4.1 ServiceOption. `handoff_time` is the one member that is omitted rather than null.
struct ServiceOptionBody: Encodable, Sendable {
    var id: Int64
    var service_option_reference: String
    var date: String
    var handoff_time: String?
    var window: WindowBody
    var availability: AvailabilityBody

    enum CodingKeys: String, CodingKey { case id, service_option_reference, date, handoff_time, window, availability }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(service_option_reference, forKey: .service_option_reference)
        try c.encode(date, forKey: .date)
        try c.encodeIfPresent(handoff_time, forKey: .handoff_time)
        try c.encode(window, forKey: .window)
        try c.encode(availability, forKey: .availability)
    }

    init(_ o: StoredServiceOption) {
        id = o.id
        service_option_reference = o.reference.encoded
        date = o.date.description
        handoff_time = o.handoffTime.map(Timestamp.format)
        window = WindowBody(type: o.type, start: o.windowStart, end: o.windowEnd, immediateHour: o.immediateHour)
        availability = AvailabilityBody(available: o.available, reasons: o.reasons, item_codes: [])
    }
}

/// The two Window shapes: timed, or immediate.
struct WindowBody: Encodable, Sendable {
    var type: ServiceOptionType
    var start: Date
    var end: Date
    var immediateHour: Int?

    enum CodingKeys: String, CodingKey { case start_at, end_at, type, asap, immediate_hour }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if type == .immediate {
            try c.encode(immediateHour ?? 2, forKey: .immediate_hour)
            try c.encode(type.rawValue, forKey: .type)
        } else {
            try c.encode(Timestamp.format(start), forKey: .start_at)
            try c.encode(Timestamp.format(end), forKey: .end_at)
            try c.encode(type.rawValue, forKey: .type)
            try c.encode(false, forKey: .asap)
        }
    }
}

struct AvailabilityBody: Encodable, Sendable {
    var available: Bool
    var reasons: [String]
    var item_codes: [String]
}

/// Warning entries: `{"error":{"message":…,"error_code":…},"meta":{"items":[]}}`.
struct WarningBody: Encodable, Sendable {
    struct Details: Encodable, Sendable {
        var message: String
        var error_code: Int
    }
    struct Meta: Encodable, Sendable { var items: [String] = [] }
    var error: Details
    var meta = Meta()
    init(_ w: ListingWarning) { error = Details(message: w.message, error_code: w.code) }
}

struct ServiceOptionsBody: Encodable, Sendable {
    var service_options: [ServiceOptionBody]
    var warnings: [WarningBody]
    var flags: FlagsBody
}
