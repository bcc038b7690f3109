import Foundation
import LastMileCore
import LastMileStorage
import PostgresNIO

// The shared row types (LastMileStorage/Rows.swift) read and written through Codable: a column is decoded
// with postgres-nio's own decoding for its Swift type (text, bigint, boolean, double precision,
// timestamptz, text[], and jsonb for documents), so no engine code lists a record's columns.

extension Retailer: PostgresCodable {}
extension Store: PostgresCodable {}
extension UserAddress: PostgresCodable {}
extension OrderRecord: PostgresCodable {}

/// A row type decoded from a result row by column name.
struct PostgresRowDecoder: Decoder {
    let row: PostgresRandomAccessRow
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func decode<Row: Decodable>(_ type: Row.Type, from row: PostgresRandomAccessRow) throws -> Row {
        try Row(from: PostgresRowDecoder(row: row))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Columns<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw RowCodingError.notARow }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw RowCodingError.notARow }

    struct Columns<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: PostgresRandomAccessRow
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool { row.contains(key.stringValue) }
        func decodeNil(forKey key: Key) throws -> Bool { row[key.stringValue].bytes == nil }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let decodable = T.self as? any PostgresDecodable.Type else { throw RowCodingError.unsupported(key.stringValue) }
            return try Self.cell(row[key.stringValue], as: decodable) as! T
        }

        static func cell<D: PostgresDecodable>(_ cell: PostgresCell, as type: D.Type) throws -> D { try cell.decode(D.self) }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try row[key.stringValue].decode(Bool.self) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try row[key.stringValue].decode(String.self) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try row[key.stringValue].decode(Double.self) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try row[key.stringValue].decode(Int64.self) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try row[key.stringValue].decode(Int.self) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { throw RowCodingError.unsupported(key.stringValue) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { throw RowCodingError.unsupported(key.stringValue) }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type,
            forKey key: Key
        ) throws
            -> KeyedDecodingContainer<NestedKey>
        { throw RowCodingError.unsupported(key.stringValue) }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw RowCodingError.unsupported(key.stringValue)
        }
        func superDecoder() throws -> any Decoder { throw RowCodingError.notARow }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw RowCodingError.unsupported(key.stringValue) }
    }
}

/// A row type's columns as names and bound parameters. A nil optional binds NULL, except a nil `id`, which
/// is left out so the column takes the next value of its sequence.
struct PostgresRowEncoder: Encoder {
    final class Columns {
        var names: [String] = []
        var binds = PostgresBindings()
    }
    let columns: Columns
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The row's present column names; their values are appended to `binds`.
    static func columns<Row: Encodable>(of row: Row, appendingTo binds: inout PostgresBindings) throws -> [String] {
        let columns = Columns()
        columns.binds = binds
        try row.encode(to: PostgresRowEncoder(columns: columns))
        binds = columns.binds
        return columns.names
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Container<Key>(columns: columns))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a row is encoded by column name") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("a row is encoded by column name") }

    struct Container<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let columns: Columns
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws {
            columns.names.append(key.stringValue)
            columns.binds.appendNull()
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            guard let encodable = value as? any PostgresEncodable else { throw RowCodingError.unsupported(key.stringValue) }
            try put(encodable, key)
        }

        mutating func put<E: PostgresEncodable>(_ value: E, _ key: Key) throws {
            columns.names.append(key.stringValue)
            try columns.binds.append(value)
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: String, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try put(value, key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { try put(Int64(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { throw RowCodingError.unsupported(key.stringValue) }

        mutating func absent(_ key: Key) throws { if key.stringValue != "id" { try encodeNil(forKey: key) } }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try absent(key) }
        }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try absent(key) }
        }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try absent(key) }
        }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try absent(key) }
        }
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { try absent(key) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type,
            forKey key: Key
        )
            -> KeyedEncodingContainer<NestedKey>
        { fatalError("a row has no nested containers") }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            fatalError("a row has no nested containers")
        }
        mutating func superEncoder() -> any Encoder { fatalError("a row has no super encoder") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { fatalError("a row has no super encoder") }
    }
}

enum RowCodingError: Error, CustomStringConvertible {
    case notARow
    case unsupported(String)
    var description: String {
        switch self {
        case .notARow: "a row type must be a keyed container of columns"
        case .unsupported(let column): "column \(column): no PostgreSQL coding for its Swift type"
        }
    }
}

extension PostgresStorage {
    /// `INSERT INTO table (present columns) VALUES (…) <suffix>`, bound from a row type.
    static func insert<Row: Encodable>(_ row: Row, into table: String, _ suffix: String = "") throws -> PostgresQuery {
        try insert([row], into: table, suffix)
    }

    /// Many rows of one type in one statement (every row must present the same columns), then `suffix`.
    static func insert<Row: Encodable>(_ rows: [Row], into table: String, _ suffix: String = "") throws -> PostgresQuery {
        var binds = PostgresBindings()
        var names: [String] = []
        var tuples: [String] = []
        for row in rows {
            let first = binds.count
            let present = try PostgresRowEncoder.columns(of: row, appendingTo: &binds)
            if names.isEmpty { names = present }
            guard present == names else { throw RowCodingError.unsupported("rows of \(table) present different columns") }
            tuples.append("(" + (1...present.count).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
        }
        return PostgresQuery(
            unsafeSQL: "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", ")) \(suffix)",
            binds: binds
        )
    }

    /// The rows of a query as a row type.
    func fetch<Row: Decodable>(_ type: Row.Type, _ q: PostgresQuery, _ conn: PostgresConnection? = nil) async throws -> [Row] {
        try await rows(q, conn).map { try PostgresRowDecoder.decode(Row.self, from: $0) }
    }
}
