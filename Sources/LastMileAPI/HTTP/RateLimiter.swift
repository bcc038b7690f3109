import Foundation
import Synchronization

/// Fixed one-second windows per key (§1.15). Rejected requests do not count. Time comes from an injected
/// monotonic source so tests control it.
public final class RateLimiter: Sendable {
    public struct Decision: Sendable {
        public var allowed: Bool
        public var limit: Int
        public var remaining: Int
        /// Whole seconds until the window resets (≥ 1).
        public var reset: Int
    }

    private struct Window {
        var index: Int64
        var count: Int
    }
    private let windows = Mutex<[String: Window]>([:])
    private let seconds: @Sendable () -> Double

    public init(seconds: @escaping @Sendable () -> Double) { self.seconds = seconds }

    /// Whether `key` has used up its window, without counting this request.
    public func isExhausted(key: String, limit: Int) -> Bool {
        let index = Int64(seconds().rounded(.down))
        return windows.withLock { table in
            guard let w = table[key], w.index == index else { return false }
            return w.count >= limit
        }
    }

    public func check(key: String, limit: Int) -> Decision {
        let now = seconds()
        let index = Int64(now.rounded(.down))
        let reset = max(1, Int((Double(index + 1) - now).rounded(.up)))
        return windows.withLock { table in
            if table.count > 10_000 { table = table.filter { $0.value.index >= index } }
            var w = table[key] ?? Window(index: index, count: 0)
            if w.index != index { w = Window(index: index, count: 0) }
            guard w.count < limit else {
                table[key] = w
                return Decision(allowed: false, limit: limit, remaining: 0, reset: reset)
            }
            w.count += 1
            table[key] = w
            return Decision(allowed: true, limit: limit, remaining: limit - w.count, reset: reset)
        }
    }
}
