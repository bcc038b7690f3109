import Foundation
import LastMileCore

/// A reservation of a stored service option (§2.0.8).
public struct HoldRecord: Sendable, Equatable {
    public enum Status: String, Sendable { case active, released, consumed }
    public var id: Int64
    public var retailerID: String
    public var userID: String
    public var serviceOptionID: Int64
    public var locationCode: String
    /// The capacity window: the listed window, or `[reservation time, + N h]` for immediate options.
    public var windowStart: Date
    public var windowEnd: Date
    public var destination: GeoPoint
    public var travelMinutes: Int
    public var createdAt: Date
    public var expiresAt: Date
    public var status: Status

    public init(
        id: Int64,
        retailerID: String,
        userID: String,
        serviceOptionID: Int64,
        locationCode: String,
        windowStart: Date,
        windowEnd: Date,
        destination: GeoPoint,
        travelMinutes: Int,
        createdAt: Date,
        expiresAt: Date,
        status: Status
    ) {
        self.id = id
        self.retailerID = retailerID
        self.userID = userID
        self.serviceOptionID = serviceOptionID
        self.locationCode = locationCode
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.destination = destination
        self.travelMinutes = travelMinutes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.status = status
    }

    /// Active: not released or consumed, and not yet expired.
    public func isActive(at now: Date) -> Bool { status == .active && now < expiresAt }
}

/// What a reserve asks the engine to do, atomically (§2.0.8, §2.5).
public struct ReserveRequest: Sendable {
    public var option: StoredServiceOption
    public var now: Date
    /// The capacity window of the new hold.
    public var window: DeliveryWindow
    public static let holdLifetime: TimeInterval = 600

    public init(option: StoredServiceOption, now: Date) {
        self.option = option
        self.now = now
        window = option.bookedWindow(at: now)
    }

    /// The active hold this reserve creates when capacity allows (`id` 0 until the engine numbers it).
    public var newHold: HoldRecord {
        HoldRecord(
            id: 0,
            retailerID: option.retailerID,
            userID: option.userID,
            serviceOptionID: option.id,
            locationCode: option.locationCode,
            windowStart: window.start,
            windowEnd: window.end,
            destination: option.destination,
            travelMinutes: option.travelMinutes,
            createdAt: now,
            expiresAt: now.addingTimeInterval(Self.holdLifetime),
            status: .active
        )
    }
}

public enum ReserveOutcome: Sendable, Equatable {
    case held(HoldRecord)
    /// The option is no longer live (§2.0.7).
    case expired
    /// The option was listed with `available: false`.
    case notAvailable
    /// Capacity is gone.
    case full
}
