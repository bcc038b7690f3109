import Foundation

/// Callback retry timing (§3.4): after the k-th failed attempt the next starts after
/// `min(30 s × 2^(k−1), 3600 s)` ±20 %; nothing starts more than 24 h after the first attempt.
public enum RetrySchedule {
    public static let base: TimeInterval = 30
    public static let cap: TimeInterval = 3600
    public static let jitter = 0.2
    public static let giveUpAfter: TimeInterval = 24 * 3600

    /// The delay after `failures` failed attempts (≥ 1); `unit` is a random number in [0, 1) (injected, so
    /// tests are deterministic).
    public static func delay(afterFailures failures: Int, unit: Double) -> TimeInterval {
        let exponent = min(max(failures - 1, 0), 20)
        let nominal = min(base * pow(2, Double(exponent)), cap)
        return nominal * (1 - jitter + 2 * jitter * min(max(unit, 0), 1))
    }

    /// When the next attempt starts, or nil when the event is to be abandoned.
    public static func nextAttempt(firstAttempt: Date, lastAttempt: Date, failures: Int, unit: Double) -> Date? {
        let next = lastAttempt.addingTimeInterval(delay(afterFailures: failures, unit: unit))
        return next.timeIntervalSince(firstAttempt) > giveUpAfter ? nil : next
    }
}
