import AsyncHTTPClient
import Foundation
import LastMileAPI
import LastMileCore
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// `buildServer` is what `lastmile serve` runs: these tests start it on a real port and use it over HTTP.
@Suite("The assembled server (HTTP, outbox, rescheduler, simulated drivers)")
struct ServerAssemblyTests {
    @Test("an order booked over real HTTP is delivered by the server's own simulated drivers, then the server shuts down")
    func bookAndDeliver() async throws {
        let env = try await TestEnvironment()
        var configuration = AppConfiguration()
        configuration.port = 0
        configuration.simulateDrivers = true
        configuration.speedUp = 1_000
        // As in TestEnvironment: a machine busy with the property tests is not an outage (outage-check tests the deadline).
        configuration.requestTimeout = .seconds(120)
        let port = Mutex(0)
        let server = buildServer(
            configuration: configuration,
            storage: env.storage,
            clock: env.clock,
            directory: sharedDirectory,
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } }
        )
        let running = Task { try await server.run() }
        defer { running.cancel() }
        for _ in 0..<200 where port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(25)) }
        let base = "http://127.0.0.1:\(port.withLock { $0 })"
        #expect(port.withLock { $0 } > 0)

        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        func call(_ method: HTTPMethod, _ path: String, token: String? = nil, _ body: String? = nil) async throws -> JSONValue {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "Content-Type", value: "application/json")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await http.execute(request, timeout: .seconds(10))
            let data = try await response.body.collect(upTo: 1 << 20)
            let json = try JSONValue.parse(Data(buffer: data))
            #expect(response.status == .ok, "\(method) \(path): \(String(buffer: data))")
            return json
        }
        let delivered: Result<String, any Error>
        do {
            let token = try #require(
                try await call(
                    .POST,
                    "/v2/oauth/token",
                    #"{"client_id":"alpha","client_secret":"alpha-client-secret-1","grant_type":"client_credentials"}"#
                )["access_token"]?.stringValue
            )
            _ = try await call(.POST, "/v2/fulfillment/users", token: token, #"{"user_id":"u1","first_name":"Ada"}"#)
            let listing = try await call(
                .POST,
                "/v2/fulfillment/users/u1/service_options/cart/last_mile",
                token: token,
                #"{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":1000,"items_count":3}"#
            )
            let options: [JSONValue] = listing["service_options"]?.array ?? []
            let option = try #require(
                options.first { (o: JSONValue) -> Bool in
                    o["window"]?["type"]?.stringValue == "scheduled" && o["availability"]?["available"]?.bool == true
                }
            )
            let optionID = try #require(option["id"]?.int)
            let hold = try await call(.POST, "/v2/fulfillment/users/u1/service_options/\(optionID)/reserve", token: token)
            let holdID = try #require(hold["service_option_hold"]?["id"]?.int)
            _ = try await call(
                .POST,
                "/v2/fulfillment/users/u1/orders/last_mile",
                token: token,
                #"{"order_id":"o-1","location_code":"SF-001","service_option_hold_id":\#(holdID),"first_name":"Ada","last_name":"Lovelace","user_phone":"+14155550100","items_count":3,"items_weight":2,"address":{"address_line_1":"500 Howard St","postal_code":"94105"}}"#
            )
            _ = try await call(.POST, "/v2/fulfillment/users/u1/orders/o-1/staged", token: token, "{}")
            // The simulated drivers follow the plan on the service clock: move it on until the order is delivered.
            var status = ""
            for _ in 0..<100 where status != "delivered" {
                env.clock.advance(by: 600)
                try await Task.sleep(for: .milliseconds(200))
                status = try await call(.GET, "/v2/fulfillment/users/u1/orders/o-1", token: token)["status"]?.stringValue ?? ""
            }
            delivered = .success(status)
        } catch {
            delivered = .failure(error)
        }
        try await http.shutdown()
        await server.group.triggerGracefulShutdown()
        try await running.value
        #expect(try delivered.get() == "delivered")
    }
}
