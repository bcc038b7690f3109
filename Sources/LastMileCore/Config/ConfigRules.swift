/// What a configuration must satisfy beyond its shape, which depends on where it is loaded.
public struct ConfigRules: Sendable {
    /// OAuth client and driver secrets shorter than this are refused (16: guessing one is out of reach even
    /// without the sign-in failure limit).
    public var minimumSecretLength: Int
    /// Callback and token URLs.
    public var receivers: ReceiverURLPolicy

    public init(minimumSecretLength: Int = 16, receivers: ReceiverURLPolicy = ReceiverURLPolicy(production: false)) {
        self.minimumSecretLength = minimumSecretLength
        self.receivers = receivers
    }
}

/// Suggests the known key an unknown one was probably meant to be.
public enum KeySuggestion {
    /// The candidate within edit distance 3 (and less than half the key's length) closest to `key`.
    public static func closest(to key: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(key, $0)) }.filter { $0.1 <= min(3, max(1, key.count / 2)) }
        return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    /// Levenshtein distance (keys are short).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        var previous = Array(0...y.count)
        for i in 1...x.count {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in stride(from: 1, through: y.count, by: 1) {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[y.count]
    }
}
