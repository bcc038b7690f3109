import Foundation
import LastMileAPI
import LastMileCore

/// What `serve` prints once it listens: where, how long start-up took, and copy-paste curl commands.
enum Banner {
    static func text(host: String, port: Int, mode: ServiceMode, database: String, demo: Bool, startupMillis: Double, now: Date) -> String {
        let base = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
        var s = """
            LastMile listening on \(base) (\(mode.rawValue) mode, database \(database))
            Started in \(String(format: "%.0f", startupMillis)) ms; service time is \(Timestamp.format(now)).
            """
        if mode == .development {
            s += """

                \(demo ? "Loaded the demo retailer (first start)." : "Demo retailer credentials (if it was loaded):") client_id=demo client_secret=demo-secret

                  # 1. Get a token
                  TOKEN=$(curl -s -X POST \(base)/v2/oauth/token -H 'Content-Type: application/json' \\
                    -d '{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}' \\
                    | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')
                  # 2. Create a user
                  curl -s -X POST \(base)/v2/fulfillment/users -H "Authorization: Bearer $TOKEN" \\
                    -H 'Content-Type: application/json' -d '{"user_id":"cust-1","first_name":"Ada"}'
                  # 3. List time slots at the SoMa store
                  curl -s -X POST \(base)/v2/fulfillment/users/cust-1/service_options/cart/last_mile \\
                    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
                    -d '{"address":{"address_line_1":"500 Howard St","postal_code":"94105"},"location_code":"SF-001","cart_total_cents":6420,"items_count":12}'
                """
        }
        return s
    }
}
