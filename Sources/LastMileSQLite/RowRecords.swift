import Foundation
import GRDB
import LastMileStorage

/// The shared row types (LastMileStorage/Rows.swift) as GRDB records. Instants are REAL seconds since 1970
/// and lists and documents JSON text, with Foundation's default JSON coding: how these columns have always
/// been written, so rows written before the row types existed read back unchanged.
protocol SQLiteRow: FetchableRecord, PersistableRecord, Sendable {}

extension SQLiteRow {
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    public static func databaseJSONDecoder(for column: String) -> JSONDecoder { JSONDecoder() }
    public static func databaseJSONEncoder(for column: String) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

extension RetailerRow: SQLiteRow { public static var databaseTableName: String { table } }
extension StoreRow: SQLiteRow { public static var databaseTableName: String { table } }
extension OAuthClientRow: SQLiteRow { public static var databaseTableName: String { table } }
extension AccessTokenRow: SQLiteRow { public static var databaseTableName: String { table } }
extension UserRow: SQLiteRow { public static var databaseTableName: String { table } }
extension ServiceOptionRow: SQLiteRow { public static var databaseTableName: String { table } }
extension HoldRow: SQLiteRow { public static var databaseTableName: String { table } }
extension OrderRow: SQLiteRow { public static var databaseTableName: String { table } }
extension CommitmentRow: SQLiteRow { public static var databaseTableName: String { "commitments" } }
extension OrderEventRow: SQLiteRow { public static var databaseTableName: String { table } }
extension CallbackAttemptRow: SQLiteRow { public static var databaseTableName: String { table } }
extension ShopperRow: SQLiteRow { public static var databaseTableName: String { table } }
extension BatchRow: SQLiteRow { public static var databaseTableName: String { table } }
