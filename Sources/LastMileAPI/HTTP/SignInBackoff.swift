import Synchronization

/// Per-client sign-in failure limiting (issue 9, finding 4): after `freeFailures` wrong secrets in a row, a
/// client's next attempts wait 1, 2, 4 … seconds (at most `maxDelay`), whatever address they come from.
/// A success clears the count; failures older than `forgetAfter` are forgotten.
public final class SignInBackoff: Sendable {
    struct Entry {
        var failures: Int
        var blockedUntil: Double
        var lastFailure: Double
    }

    let freeFailures: Int
    let maxDelay: Double
    let forgetAfter: Double
    private let seconds: @Sendable () -> Double
    private let table = Mutex<[String: Entry]>([:])

    public init(freeFailures: Int = 5, maxDelay: Double = 60, forgetAfter: Double = 900, seconds: @escaping @Sendable () -> Double) {
        self.freeFailures = freeFailures
        self.maxDelay = maxDelay
        self.forgetAfter = forgetAfter
        self.seconds = seconds
    }

    /// Whole seconds the client must still wait, or nil when it may try.
    public func waitSeconds(clientID: String) -> Int? {
        let now = seconds()
        return table.withLock { t in
            guard let e = t[clientID], e.blockedUntil > now else { return nil }
            return max(1, Int((e.blockedUntil - now).rounded(.up)))
        }
    }

    /// Records a failed sign-in; returns the failures in a row so far.
    @discardableResult
    public func recordFailure(clientID: String) -> Int {
        let now = seconds()
        return table.withLock { t in
            if t.count > 10_000 { t = t.filter { now - $0.value.lastFailure < forgetAfter } }
            var e = t[clientID] ?? Entry(failures: 0, blockedUntil: 0, lastFailure: now)
            if now - e.lastFailure >= forgetAfter { e = Entry(failures: 0, blockedUntil: 0, lastFailure: now) }
            e.failures += 1
            e.lastFailure = now
            if e.failures > freeFailures {
                let exponent = Double(min(e.failures - freeFailures - 1, 30))
                e.blockedUntil = now + min(maxDelay, Double(1 << Int(exponent)))
            }
            t[clientID] = e
            return e.failures
        }
    }

    public func recordSuccess(clientID: String) {
        _ = table.withLock { $0.removeValue(forKey: clientID) }
    }
}
