import Foundation
import Synchronization

/// Configuration documents (a store's, a retailer's) decoded once per distinct text: engines read the
/// stored JSON on every request, as before, and decode it only when it changed. The text is the key, so a
/// cached value is never staler than the row just read, on any number of servers; only the JSON decoding
/// (a tenth of a listing's time) is saved.
public final class DecodedDocuments<Value: Decodable & Sendable>: Sendable {
    private let values = Mutex<[String: Value]>([:])
    /// Distinct documents kept; past it the cache starts again (configurations change rarely).
    let limit: Int

    public init(limit: Int = 1024) { self.limit = limit }

    /// `text` decoded as `Value`, from the cache when the same text was decoded before.
    public func decode(_ text: String) throws -> Value {
        if let hit = values.withLock({ $0[text] }) { return hit }
        let value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        values.withLock { cache in
            if cache.count >= limit { cache.removeAll(keepingCapacity: true) }
            cache[text] = value
        }
        return value
    }
}
