import Foundation
import LastMileAPI
import LastMileCore

/// What `serve` prints once it listens: where, how long start-up took, and copy-paste curl commands.
enum Banner {
    /// `demo`: this start loaded the demo retailer. `demoPresent`: the database holds the demo retailer (or its
    /// client with the published secret), i.e. `Bootstrap.demoLeftovers` is not empty; `nil` when unknown.
    /// In development mode the demo's credentials and curl commands are printed only when the demo is there
    /// (or may be); a first start with `--config` or `--no-demo` has none.
    static func text(
        host: String,
        port: Int,
        mode: ServiceMode,
        database: String,
        demo: Bool,
        demoPresent: Bool? = nil,
        startupMillis: Double,
        now: Date
    ) -> String {
        let base = "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
        var s = """
            LastMile listening on \(base) (\(mode.rawValue) mode, database \(database))
            Started in \(String(format: "%.0f", startupMillis)) ms; service time is \(Timestamp.format(now)).
            """
        guard mode == .development else { return s + "\nOperator console: \(base)/console (operators[] of the configuration file)." }
        if !demo && demoPresent == false {
            s += """

                No demo retailer in this database: it is loaded only on the first start of an empty database, and not
                when --config loads retailers or --no-demo is given. The token request for a configured client:
                  lastmile token --client-id ID --client-secret SECRET --url \(base)
                """
            return s
        }
        let credentials =
            demo
            ? "Loaded the demo retailer (first start)."
            : demoPresent == true ? "Demo retailer:" : "Demo retailer credentials (if it was loaded):"
        s += """

            \(credentials) client_id=demo client_secret=demo-secret
            Operator console: \(base)/console  operator=\(Bootstrap.demoOperator.id) password=\(Bootstrap.demoOperator.password)

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
        return s
    }
}
