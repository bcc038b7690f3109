import Testing

@testable import LastMileFleet

@Suite struct WebhookSignerTests {
    /// The complete example of §3.7, byte for byte.
    static let body =
        #"{"event_id":1874400123456789012,"event_name":"fulfillment.brand_new","event_timestamp":"2025-06-11T00:38:05Z","event_metadata":{"order_id":"A-10001","order_url":null,"store_location":"SF-001","delivery_window":{"starts_at":"2025-06-11T01:00:00Z","ends_at":"2025-06-11T03:00:00Z"}}}"#

    @Test func contractExampleSignature() {
        let sig = WebhookSigner.signature(
            eventID: "1874400123456789012",
            timestamp: 1_749_602_286,
            body: Array(Self.body.utf8),
            secrets: ["whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY"]
        )
        #expect(sig == "v1,fP5iMiraW1g9y7VL0IF0UVHzIJS1H1ea3l4XrZLa6R8=")
    }

    @Test func twoSecretsDuringRotationGiveTwoSignatures() {
        let sig = WebhookSigner.signature(
            eventID: "1",
            timestamp: 2,
            body: Array("{}".utf8),
            secrets: ["whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY", "whsec_GBcWFRQTEhEQDw4NDAsKCQgHBgUEAwIB"]
        )
        let parts = sig?.split(separator: " ") ?? []
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.hasPrefix("v1,") })
        #expect(parts[0] != parts[1])
    }

    @Test func malformedSecretsDoNotSign() {
        #expect(WebhookSigner.signature(eventID: "1", timestamp: 2, body: [], secrets: ["whsec_short", "nope"]) == nil)
    }

    @Test func seededJitterIsReproducible() {
        var a = RandomNumberGenerator64(seed: 42)
        var b = RandomNumberGenerator64(seed: 42)
        let xs = (0..<5).map { _ in a.nextUnit() }
        let ys = (0..<5).map { _ in b.nextUnit() }
        #expect(xs == ys)
        #expect(xs.allSatisfy { $0 >= 0 && $0 < 1 })
    }
}
