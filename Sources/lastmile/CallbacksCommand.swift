import ArgumentParser
import Foundation
import LastMileCore
import LastMileStorage

/// The operator's delivery log: what was sent where, how often, with what result; and re-sending.
struct Callbacks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List callback deliveries or re-send one.",
        subcommands: [List.self, Resend.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List callback deliveries, newest first.")
        @OptionGroup var db: DatabaseOptions
        @Option(help: "Only this retailer.") var retailer: String?
        @Option(help: "Only this order.") var order: String?
        @Option(help: "How many.") var limit = 50
        @Flag(help: "Also list every attempt.") var attempts = false

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
        }

        func run() async throws {
            let storage = try db.open()
            let rows = try await storage.callbackDeliveries(retailerID: retailer, orderID: order, limit: limit)
            print(
                "EVENT_ID".padding(toLength: 21, withPad: " ", startingAt: 0),
                "STATE    ",
                "TRIES",
                "EVENT".padding(toLength: 38, withPad: " ", startingAt: 0),
                "ORDER".padding(toLength: 24, withPad: " ", startingAt: 0),
                "OCCURRED".padding(toLength: 20, withPad: " ", startingAt: 0),
                "LAST RESULT"
            )
            for d in rows {
                print(
                    String(d.eventID).padding(toLength: 21, withPad: " ", startingAt: 0),
                    d.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                    String(d.attempts).padding(toLength: 5, withPad: " ", startingAt: 0),
                    d.name.padding(toLength: 38, withPad: " ", startingAt: 0),
                    "\(d.retailerID)/\(d.orderID)".padding(toLength: 24, withPad: " ", startingAt: 0),
                    Timestamp.format(d.occurredAt),
                    d.lastResult.map(Callbacks.balanced) ?? (d.state == .pending ? "due \(d.nextAttemptAt.map(Timestamp.format) ?? "now")" : "")
                )
                if attempts {
                    for a in try await storage.callbackAttempts(rowID: d.rowID) {
                        print("    attempt at \(Timestamp.format(a.at)): \(Callbacks.balanced(a.summary)) in \(a.durationMilliseconds) ms")
                    }
                }
            }
            try await storage.close()
        }
    }

    /// A recorded result as the log shows it: every ")" that closes nothing is dropped. SwiftNIO's connection
    /// errors read "…: Connection refused) (errno: 111)"; the stored text is left as it was.
    static func balanced(_ text: String) -> String {
        var depth = 0
        var out = ""
        for c in text {
            if c == "(" {
                depth += 1
            } else if c == ")" {
                if depth == 0 { continue }
                depth -= 1
            }
            out.append(c)
        }
        return out
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a callback again; a running server sends it within a second.")
        @OptionGroup var db: DatabaseOptions
        @Argument(help: "The event_id.") var eventID: Int64

        func run() async throws {
            let storage = try db.open()
            // Due at once whatever the server's service clock says.
            guard let row = CallbackDelivery.rowID(eventID: eventID),
                try await storage.resendCallback(rowID: row, now: Date(timeIntervalSince1970: 0))
            else {
                try await storage.close()
                throw ValidationError("no callback with event_id \(eventID)")
            }
            try await storage.close()
            print("Queued event \(eventID) for delivery.")
        }
    }
}
