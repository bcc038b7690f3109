import Foundation

/// One problem in an operator config file, located by its JSON path (e.g. `retailers[0].stores[2].time_zone`).
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public var description: String {
        "invalid configuration (\(issues.count) problem\(issues.count == 1 ? "" : "s")); nothing was loaded:\n"
            + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Parses the operator configuration (JSON, or YAML converted to `JSONValue`). Every problem is collected;
/// a file with any problem yields no configuration at all.
public struct OperatorConfigParser {
    let directory: PostalDirectory?
    let rules: ConfigRules
    var issues: [ConfigIssue] = []

    public init(directory: PostalDirectory?, rules: ConfigRules = ConfigRules()) {
        self.directory = directory
        self.rules = rules
    }

    public static func parse(_ root: JSONValue, directory: PostalDirectory?, rules: ConfigRules = ConfigRules()) throws -> OperatorConfig {
        var p = OperatorConfigParser(directory: directory, rules: rules)
        let config = p.parseRoot(root)
        if !p.issues.isEmpty { throw ConfigError(issues: p.issues) }
        return config
    }

    mutating func issue(_ path: String, _ message: String) { issues.append(ConfigIssue(path: path, message: message)) }

    mutating func parseRoot(_ root: JSONValue) -> OperatorConfig {
        guard let obj = root.objectValue else {
            issue("$", "must be an object with a \"retailers\" array")
            return OperatorConfig(retailers: [])
        }
        known(obj, "", ["retailers", "operators"])
        let operators = parseOperators(obj["operators"])
        guard case .array(let list)? = obj["retailers"] else {
            issue("retailers", "must be an array")
            return OperatorConfig(retailers: [], operators: operators)
        }
        var entries: [OperatorConfig.RetailerEntry] = []
        var retailerIDs = Set<String>()
        var clientIDs = Set<String>()
        for (i, value) in list.enumerated() {
            let path = "retailers[\(i)]"
            guard let entry = parseRetailer(value, path) else { continue }
            if !retailerIDs.insert(entry.retailer.id).inserted { issue("\(path).id", "duplicate retailer id \"\(entry.retailer.id)\"") }
            for (j, c) in entry.clients.enumerated() where !clientIDs.insert(c.clientID).inserted {
                issue("\(path).oauth_clients[\(j)].client_id", "duplicate client_id \"\(c.clientID)\"")
            }
            entries.append(entry)
        }
        return OperatorConfig(retailers: entries, operators: operators)
    }

    /// `operators[]`: console accounts (issue 13). The password is given only as a bcrypt hash
    /// (`lastmile operators hash-password`), never in clear.
    mutating func parseOperators(_ value: JSONValue?) -> [OperatorAccount] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let list) = value else {
            issue("operators", "must be an array")
            return []
        }
        var seen = Set<String>()
        var accounts: [OperatorAccount] = []
        for (i, item) in list.enumerated() {
            let path = "operators[\(i)]"
            guard let o = object(item, path) else { continue }
            known(o, path, ["id", "password_hash", "retailers", "enabled"])
            let id = string(o, "id", path)
            let hash = string(o, "password_hash", path)
            if let hash, !OperatorAccount.isAcceptedHash(hash) {
                issue(
                    "\(path).password_hash",
                    "must be a bcrypt hash of cost 10 or more ($2b$12$…); make one with `lastmile operators hash-password`"
                )
            }
            var grant: [String]? = nil
            switch o["retailers"] {
            case .string("all")?, nil: grant = nil
            case .array(let ids)?:
                grant = ids.compactMap(\.stringValue)
                if grant!.count != ids.count { issue("\(path).retailers", "must be \"all\" or an array of retailer ids") }
            default: issue("\(path).retailers", "must be \"all\" or an array of retailer ids")
            }
            if let id, !seen.insert(id).inserted { issue("\(path).id", "duplicate operator id \"\(id)\"") }
            guard let id, let hash else { continue }
            accounts.append(OperatorAccount(id: id, passwordHash: hash, retailers: grant, enabled: bool(o, "enabled", path, default: true)))
        }
        return accounts
    }

    // MARK: Field helpers

    /// Reports every key of `o` that is not one of `keys`: a typo such as `max_order_per_trip` would
    /// otherwise be accepted and do nothing.
    mutating func known(_ o: [String: JSONValue], _ path: String, _ keys: [String]) {
        for key in o.keys.sorted() where !keys.contains(key) {
            let suggestion = KeySuggestion.closest(to: key, among: keys).map { " (did you mean \"\($0)\"?)" } ?? ""
            issue(path.isEmpty ? key : "\(path).\(key)", "unknown key\(suggestion)")
        }
    }

    /// A secret shorter than `minimum` characters is refused.
    mutating func checkSecret(_ secret: String?, _ path: String) {
        if let secret, secret.count < rules.minimumSecretLength {
            issue(path, "must be at least \(rules.minimumSecretLength) characters")
        }
    }

    /// A receiver URL (callbacks or their token endpoint) under the rules of the mode it is loaded for.
    mutating func checkReceiverURL(_ url: String?, _ path: String) {
        guard let url else { return }
        if let problem = rules.receivers.problem(with: url) { issue(path, problem) }
    }

    mutating func object(_ v: JSONValue?, _ path: String) -> [String: JSONValue]? {
        guard let o = v?.objectValue else {
            issue(path, "must be an object")
            return nil
        }
        return o
    }

    mutating func string(_ o: [String: JSONValue], _ key: String, _ path: String, required: Bool = true) -> String? {
        switch o[key] {
        case nil, .null?:
            if required { issue("\(path).\(key)", "is required") }
            return nil
        case .string(let s)?:
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.isEmpty && required {
                issue("\(path).\(key)", "must not be empty")
                return nil
            }
            return t.isEmpty ? nil : t
        default:
            issue("\(path).\(key)", "must be a string")
            return nil
        }
    }

    mutating func bool(_ o: [String: JSONValue], _ key: String, _ path: String, default d: Bool) -> Bool {
        switch o[key] {
        case nil, .null?: return d
        case .bool(let b)?: return b
        default:
            issue("\(path).\(key)", "must be true or false")
            return d
        }
    }

    mutating func int(_ o: [String: JSONValue], _ key: String, _ path: String, default d: Int, range: ClosedRange<Int>) -> Int {
        switch o[key] {
        case nil, .null?: return d
        case .integer(let i)? where range.contains(Int(i)): return Int(i)
        default:
            issue("\(path).\(key)", "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return d
        }
    }

    mutating func double(_ o: [String: JSONValue], _ key: String, _ path: String, range: ClosedRange<Double>) -> Double? {
        switch o[key] {
        case nil, .null?: return nil
        case let v? where v.doubleValue.map(range.contains) == true: return v.doubleValue
        default:
            issue("\(path).\(key)", "must be a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
    }

    // MARK: Retailer

    mutating func parseRetailer(_ value: JSONValue, _ path: String) -> OperatorConfig.RetailerEntry? {
        guard let o = object(value, path) else { return nil }
        known(
            o,
            path,
            [
                "id", "name", "country", "order_url_template", "eta_options_enabled", "handoff_time_enabled",
                "redact_shopper_pii", "rate_limit_per_second", "oauth_clients", "stores", "callbacks", "drivers",
            ]
        )
        let id = string(o, "id", path)
        if let id, !FieldRules.isValidIdentifier(id) { issue("\(path).id", "must be 1–255 characters without spaces or /") }
        let name = string(o, "name", path, required: false) ?? id ?? ""
        var country = Country.US
        if let c = string(o, "country", path, required: false) {
            if let parsed = Country(rawValue: c.uppercased()) { country = parsed } else { issue("\(path).country", "must be \"US\" or \"CA\"") }
        }
        let template = string(o, "order_url_template", path, required: false)
        if let template, !template.contains("{order_id}") { issue("\(path).order_url_template", "must contain {order_id}") }
        let retailer = Retailer(
            id: id ?? "",
            name: name,
            country: country,
            etaOptionsEnabled: bool(o, "eta_options_enabled", path, default: false),
            handoffTimeEnabled: bool(o, "handoff_time_enabled", path, default: false),
            orderURLTemplate: template,
            redactShopperPII: bool(o, "redact_shopper_pii", path, default: false),
            rateLimitPerSecond: int(o, "rate_limit_per_second", path, default: 50, range: 1...1_000_000)
        )
        var clients: [OAuthClientConfig] = []
        if let list = o["oauth_clients"], !list.isNull {
            if case .array(let items) = list {
                for (i, item) in items.enumerated() {
                    if let c = parseClient(item, "\(path).oauth_clients[\(i)]") { clients.append(c) }
                }
            } else {
                issue("\(path).oauth_clients", "must be an array")
            }
        }
        var stores: [Store] = []
        var codes = Set<String>()
        if let list = o["stores"], !list.isNull {
            if case .array(let items) = list {
                for (i, item) in items.enumerated() {
                    let sp = "\(path).stores[\(i)]"
                    if let s = parseStore(item, sp, retailerID: id ?? "") {
                        if !codes.insert(s.locationCode).inserted { issue("\(sp).location_code", "duplicate location_code \"\(s.locationCode)\"") }
                        stores.append(s)
                    }
                }
            } else {
                issue("\(path).stores", "must be an array")
            }
        }
        var retailerWithCallbacks = retailer
        if let c = o["callbacks"], !c.isNull { retailerWithCallbacks.callbacks = parseCallbacks(c, "\(path).callbacks") }
        if let list = o["drivers"], !list.isNull {
            if case .array(let items) = list {
                for (i, item) in items.enumerated() {
                    if let d = parseDriver(item, "\(path).drivers[\(i)]") {
                        clients.append(OAuthClientConfig(clientID: d.id, clientSecret: d.secret, scopes: [.driver]))
                    }
                }
            } else {
                issue("\(path).drivers", "must be an array")
            }
        }
        return OperatorConfig.RetailerEntry(retailer: retailerWithCallbacks, clients: clients, stores: stores)
    }

    mutating func parseCallbacks(_ value: JSONValue, _ path: String) -> CallbackConfig? {
        guard let o = object(value, path) else { return nil }
        known(o, path, ["callback_url", "events", "token_url", "client_id", "client_secret", "scope", "signing_secret"])
        let url = string(o, "callback_url", path)
        checkReceiverURL(url, "\(path).callback_url")
        var events: [CallbackEventName]?
        if let v = o["events"], !v.isNull {
            if case .array(let items) = v {
                events = []
                for (i, item) in items.enumerated() {
                    let raw = item.stringValue.map { $0.hasPrefix("fulfillment.") ? $0 : "fulfillment.\($0)" }
                    if let raw, let e = CallbackEventName(rawValue: raw) {
                        events?.append(e)
                    } else {
                        issue("\(path).events[\(i)]", "must be an event name of §3.6 (e.g. \"fulfillment.staged\")")
                    }
                }
            } else {
                issue("\(path).events", "must be an array")
            }
        }
        let tokenURL = string(o, "token_url", path, required: false)
        checkReceiverURL(tokenURL, "\(path).token_url")
        let clientID = string(o, "client_id", path, required: tokenURL != nil)
        let clientSecret = string(o, "client_secret", path, required: tokenURL != nil)
        var secrets: [String] = []
        switch o["signing_secret"] {
        case nil, .null?: break
        case .string(let s)?: secrets = [s]
        case .array(let items)?:
            secrets = items.compactMap(\.stringValue)
            if secrets.count != items.count || secrets.count > 2 { issue("\(path).signing_secret", "must be one secret or a list of at most two") }
        default: issue("\(path).signing_secret", "must be a string or a list of strings")
        }
        for s in secrets where CallbackConfig.signingKey(s) == nil {
            issue("\(path).signing_secret", "must be \"whsec_\" followed by the Base64 of 24–64 bytes")
        }
        guard let url else { return nil }
        return CallbackConfig(
            url: url,
            events: events,
            tokenURL: tokenURL,
            clientID: clientID,
            clientSecret: clientSecret,
            scope: string(o, "scope", path, required: false),
            signingSecrets: secrets
        )
    }

    mutating func parseDriver(_ value: JSONValue, _ path: String) -> DriverAccount? {
        guard let o = object(value, path) else { return nil }
        known(o, path, ["id", "secret", "name"])
        let id = string(o, "id", path)
        let secret = string(o, "secret", path)
        checkSecret(secret, "\(path).secret")
        guard let id, let secret else { return nil }
        return DriverAccount(id: id, secret: secret, name: string(o, "name", path, required: false) ?? id)
    }

    mutating func parseClient(_ value: JSONValue, _ path: String) -> OAuthClientConfig? {
        guard let o = object(value, path) else { return nil }
        known(o, path, ["client_id", "client_secret", "scopes", "enabled"])
        let id = string(o, "client_id", path)
        let secret = string(o, "client_secret", path)
        checkSecret(secret, "\(path).client_secret")
        var scopes = Scope.retailerDefault
        if let v = o["scopes"], !v.isNull {
            if case .array(let items) = v {
                scopes = []
                for (i, item) in items.enumerated() {
                    if let s = item.stringValue, let scope = Scope(rawValue: s), scope != .driver {
                        if !scopes.contains(scope) { scopes.append(scope) }
                    } else {
                        issue("\(path).scopes[\(i)]", "must be \"connect:fulfillment\" or \"connect:post_checkout\"")
                    }
                }
                scopes.sort { Scope.allCases.firstIndex(of: $0)! < Scope.allCases.firstIndex(of: $1)! }
            } else {
                issue("\(path).scopes", "must be an array")
            }
        }
        guard let id, let secret else { return nil }
        return OAuthClientConfig(clientID: id, clientSecret: secret, scopes: scopes, enabled: bool(o, "enabled", path, default: true))
    }

    // MARK: Store

    mutating func parseStore(_ value: JSONValue, _ path: String, retailerID: String) -> Store? {
        guard let o = object(value, path) else { return nil }
        known(
            o,
            path,
            [
                "location_code", "name", "address", "county", "latitude", "longitude", "time_zone", "delivery_hours",
                "alcohol_hours", "driver_shifts", "active", "pickup", "pickup_only", "alcohol", "long_distance_delivery",
                "immediate_five_hour", "scheduling_horizon_days", "pickup_dwell_minutes", "dropoff_dwell_minutes",
                "max_orders_per_trip", "max_minutes_in_vehicle",
            ]
        )
        let code = string(o, "location_code", path)
        if let code, code.count > 64 { issue("\(path).location_code", "must be at most 64 characters") }
        let name = string(o, "name", path)
        var address: StoreAddress?
        var postal: PostalEntry?
        if let a = object(o["address"], "\(path).address") {
            let ap = "\(path).address"
            known(a, ap, ["address_line_1", "address_line_2", "city", "state", "postal_code"])
            let line1 = string(a, "address_line_1", ap)
            let line2 = string(a, "address_line_2", ap, required: false)
            var zip: String?
            if let raw = string(a, "postal_code", ap) {
                zip = FieldRules.normalizePostalCode(raw)
                if zip == nil { issue("\(ap).postal_code", "is not a valid postal code") }
            }
            postal = zip.flatMap { directory?.lookup($0) }
            let city = string(a, "city", ap, required: postal == nil) ?? postal?.city
            let state = string(a, "state", ap, required: postal == nil) ?? postal?.state
            if let line1, let zip, let city, let state {
                address = StoreAddress(addressLine1: line1, addressLine2: line2, city: city, state: state, postalCode: zip)
            }
        }
        let county = string(o, "county", path, required: postal == nil) ?? postal?.county
        let lat = double(o, "latitude", path, range: -90...90)
        let lon = double(o, "longitude", path, range: -180...180)
        var point: GeoPoint?
        if let lat, let lon {
            point = GeoPoint(latitude: lat, longitude: lon)
        } else if lat != nil || lon != nil {
            issue(path, "latitude and longitude must be given together")
        } else if let postal {
            point = postal.point
        } else {
            issue("\(path).latitude", "is required (the postal code is not in the directory)")
        }
        let tzName = string(o, "time_zone", path, required: postal == nil) ?? postal?.timeZone
        if let tzName, TimeZone(identifier: tzName) == nil { issue("\(path).time_zone", "unknown IANA time zone \"\(tzName)\"") }
        let delivery = parseHours(o["delivery_hours"], "\(path).delivery_hours", required: true)
        let alcoholHours = o["alcohol_hours"].flatMap { $0.isNull ? nil : parseHours($0, "\(path).alcohol_hours", required: false) }
        var shifts: [ShiftRule] = []
        if let v = o["driver_shifts"], !v.isNull {
            if case .array(let items) = v {
                for (i, item) in items.enumerated() {
                    if let s = parseShift(item, "\(path).driver_shifts[\(i)]") { shifts.append(s) }
                }
            } else {
                issue("\(path).driver_shifts", "must be an array")
            }
        }
        let store = Store(
            retailerID: retailerID,
            locationCode: code ?? "",
            name: name ?? "",
            address: address ?? StoreAddress(addressLine1: "", city: "", state: "", postalCode: ""),
            county: county ?? "",
            point: point ?? GeoPoint(latitude: 0, longitude: 0),
            timeZone: tzName ?? "UTC",
            active: bool(o, "active", path, default: true),
            pickup: bool(o, "pickup", path, default: false),
            pickupOnly: bool(o, "pickup_only", path, default: false),
            alcohol: bool(o, "alcohol", path, default: false),
            alcoholHours: alcoholHours,
            longDistanceDelivery: bool(o, "long_distance_delivery", path, default: false),
            deliveryHours: delivery ?? WeeklyHours(days: Array(repeating: nil, count: 7)),
            immediateFiveHour: bool(o, "immediate_five_hour", path, default: false),
            schedulingHorizonDays: int(o, "scheduling_horizon_days", path, default: 7, range: 1...14),
            pickupDwellMinutes: int(o, "pickup_dwell_minutes", path, default: 5, range: 0...240),
            dropoffDwellMinutes: int(o, "dropoff_dwell_minutes", path, default: 5, range: 0...240),
            maxOrdersPerTrip: int(o, "max_orders_per_trip", path, default: Store.defaultMaxOrdersPerTrip, range: 1...10),
            maxMinutesInVehicle: int(o, "max_minutes_in_vehicle", path, default: Store.defaultMaxMinutesInVehicle, range: 15...240),
            shifts: shifts
        )
        return store
    }

    static let weekdayNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    static func weekday(_ s: String) -> Int? {
        let l = s.lowercased()
        return weekdayNames.firstIndex { $0 == l || $0.prefix(3) == l }
    }

    /// `"HH:MM"` → minutes; `"24:00"` allowed as an end.
    static func minutes(_ s: String) -> Int? {
        let p = s.split(separator: ":")
        guard p.count == 2, p[0].count == 2, p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]), m < 60 else { return nil }
        guard h < 24 || (h == 24 && m == 0) else { return nil }
        return h * 60 + m
    }

    /// `"08:00-21:00"` → DailyHours.
    static func interval(_ s: String) -> DailyHours? {
        let p = s.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard p.count == 2, let a = minutes(p[0]), let b = minutes(p[1]), a < b else { return nil }
        return DailyHours(open: a, close: b)
    }

    /// `{"default": "08:00-21:00", "sunday": "10:00-18:00", "saturday": null}`: each weekday takes its own
    /// entry, else `default`; null or a missing entry without a default means closed.
    mutating func parseHours(_ value: JSONValue?, _ path: String, required: Bool) -> WeeklyHours? {
        guard let value, !value.isNull else {
            if required { issue(path, "is required (e.g. {\"default\": \"08:00-21:00\"})") }
            return nil
        }
        guard let o = value.objectValue else {
            issue(path, "must be an object keyed by weekday or \"default\"")
            return nil
        }
        var fallback: DailyHours?
        var days = [DailyHours?](repeating: nil, count: 7)
        var explicit = [Bool](repeating: false, count: 7)
        for (key, v) in o.sorted(by: { $0.key < $1.key }) {
            let kp = "\(path).\(key)"
            var hours: DailyHours?
            switch v {
            case .null: hours = nil
            case .string(let s):
                hours = Self.interval(s)
                if hours == nil {
                    issue(kp, "must be \"HH:MM-HH:MM\" with open before close, or null for closed")
                    continue
                }
            default:
                issue(kp, "must be \"HH:MM-HH:MM\" or null")
                continue
            }
            if key == "default" {
                fallback = hours
            } else if let d = Self.weekday(key) {
                days[d] = hours
                explicit[d] = true
            } else {
                issue(kp, "unknown weekday (use monday…sunday or default)")
            }
        }
        for d in 0..<7 where !explicit[d] { days[d] = fallback }
        return WeeklyHours(days: days)
    }

    mutating func parseShift(_ value: JSONValue, _ path: String) -> ShiftRule? {
        guard let o = object(value, path) else { return nil }
        known(o, path, ["driver_id", "start_at", "end_at", "days", "start", "end"])
        guard let driver = string(o, "driver_id", path) else { return nil }
        if o["start_at"] != nil || o["end_at"] != nil {
            let s = string(o, "start_at", path).flatMap { v -> Date? in
                let d = Timestamp.parse(v)
                if d == nil { issue("\(path).start_at", "must be an ISO 8601 timestamp with an offset") }
                return d
            }
            let e = string(o, "end_at", path).flatMap { v -> Date? in
                let d = Timestamp.parse(v)
                if d == nil { issue("\(path).end_at", "must be an ISO 8601 timestamp with an offset") }
                return d
            }
            guard let s, let e else { return nil }
            guard e > s else {
                issue("\(path).end_at", "must be after start_at")
                return nil
            }
            return .dated(driverID: driver, start: s, end: e)
        }
        var weekdays = Array(0..<7)
        if let v = o["days"], !v.isNull {
            if case .array(let items) = v {
                weekdays = []
                for (i, item) in items.enumerated() {
                    if let s = item.stringValue, let d = Self.weekday(s) {
                        weekdays.append(d)
                    } else {
                        issue("\(path).days[\(i)]", "must be a weekday name (monday…sunday or mon…sun)")
                    }
                }
            } else if v.stringValue == "daily" {
                weekdays = Array(0..<7)
            } else {
                issue("\(path).days", "must be an array of weekday names or \"daily\"")
            }
        }
        let start = string(o, "start", path).flatMap { v -> Int? in
            let m = Self.minutes(v)
            if m == nil { issue("\(path).start", "must be \"HH:MM\"") }
            return m
        }
        let end = string(o, "end", path).flatMap { v -> Int? in
            let m = Self.minutes(v)
            if m == nil { issue("\(path).end", "must be \"HH:MM\" (24:00 allowed)") }
            return m
        }
        guard let start, let end else { return nil }
        guard end > start else {
            issue("\(path).end", "must be after start (shifts do not cross midnight; split them)")
            return nil
        }
        return .weekly(driverID: driver, weekdays: weekdays.sorted(), start: start, end: end)
    }
}
