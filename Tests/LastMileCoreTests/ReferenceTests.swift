import Foundation
import Testing

@testable import LastMileCore

/// §2.0.7 `service_option_reference`: URL-safe Base64 (with `=` padding) of compact JSON, members in order.
@Suite("Service option references (§2.0.7)")
struct ReferenceTests {
    static let scheduledExample =
        "eyJpZCI6NDExMjM4OTAyMzMxLCJsb2NhdGlvbl9jb2RlIjoiU0YtMDAxIiwidHlwZSI6InNjaGVkdWxlZCIsInN0YXJ0X2F0IjoiMjAyNS0wNi0xMVQwMTowMDowMFoiLCJlbmRfYXQiOiIyMDI1LTA2LTExVDAzOjAwOjAwWiJ9"
    static let immediateExample = "eyJpZCI6NDExMjM4OTAyMzMwLCJsb2NhdGlvbl9jb2RlIjoiU0YtMDAxIiwidHlwZSI6ImltbWVkaWF0ZSIsImltbWVkaWF0ZV9ob3VyIjoyfQ=="
    static let priorityExample =
        "eyJpZCI6NDExMjM4OTAyMzQ1LCJsb2NhdGlvbl9jb2RlIjoiU0YtMDAxIiwidHlwZSI6InByaW9yaXR5X2V0YSIsInN0YXJ0X2F0IjoiMjAyNS0wNi0xMVQwMDozNToxMloiLCJlbmRfYXQiOiIyMDI1LTA2LTExVDAxOjMyOjAwWiJ9"

    @Test func scheduledReferenceOfTheContract() {
        let ref = ServiceOptionReference(
            id: 411_238_902_331,
            locationCode: "SF-001",
            type: .scheduled,
            start: ts("2025-06-11T01:00:00Z"),
            end: ts("2025-06-11T03:00:00Z")
        )
        #expect(
            ref.json
                == #"{"id":411238902331,"location_code":"SF-001","type":"scheduled","start_at":"2025-06-11T01:00:00Z","end_at":"2025-06-11T03:00:00Z"}"#
        )
        #expect(ref.encoded == Self.scheduledExample)
    }

    @Test func immediateReferenceOfTheContract() {
        let ref = ServiceOptionReference(id: 411_238_902_330, locationCode: "SF-001", type: .immediate, immediateHour: 2)
        #expect(ref.json == #"{"id":411238902330,"location_code":"SF-001","type":"immediate","immediate_hour":2}"#)
        #expect(ref.encoded == Self.immediateExample)
    }

    @Test func priorityEtaReferenceOfTheContract() {
        // Example A: start_at is now truncated to the second, in output format.
        let ref = ServiceOptionReference(
            id: 411_238_902_345,
            locationCode: "SF-001",
            type: .priorityETA,
            start: ts("2025-06-11T00:35:12.750Z"),
            end: ts("2025-06-11T01:32:00Z")
        )
        #expect(ref.encoded == Self.priorityExample)
    }

    @Test func decodesTheContractExamples() throws {
        let scheduled = try #require(ServiceOptionReference.decode(Self.scheduledExample))
        #expect(
            scheduled
                == ServiceOptionReference(
                    id: 411_238_902_331,
                    locationCode: "SF-001",
                    type: .scheduled,
                    start: ts("2025-06-11T01:00:00Z"),
                    end: ts("2025-06-11T03:00:00Z")
                )
        )
        let immediate = try #require(ServiceOptionReference.decode(Self.immediateExample))
        #expect(immediate == ServiceOptionReference(id: 411_238_902_330, locationCode: "SF-001", type: .immediate, immediateHour: 2))
        let priority = try #require(ServiceOptionReference.decode(Self.priorityExample))
        #expect(priority.type == .priorityETA)
        #expect(priority.start == ts("2025-06-11T00:35:12Z"))
    }

    @Test func roundTrips() throws {
        let refs = [
            ServiceOptionReference(
                id: 1,
                locationCode: "NYC-001",
                type: .eta,
                start: ts("2026-03-08T06:00:00Z"),
                end: ts("2026-03-08T08:00:00Z")
            ),
            ServiceOptionReference(id: .max, locationCode: "X", type: .immediate, immediateHour: 5),
            ServiceOptionReference(
                id: 42,
                locationCode: #"A"B\C"#,
                type: .scheduled,
                start: ts("2025-06-11T01:00:00Z"),
                end: ts("2025-06-11T03:00:00Z")
            ),
            ServiceOptionReference(id: 7, locationCode: "Ö?>", type: .immediate, immediateHour: 2),
        ]
        for ref in refs {
            let decoded = try #require(ServiceOptionReference.decode(ref.encoded))
            #expect(decoded == ref)
        }
    }

    @Test func encodingIsURLSafeWithPadding() throws {
        // Standard Base64 of these would contain "/" and "+" respectively.
        let slash = ServiceOptionReference(id: 7, locationCode: "??>", type: .immediate, immediateHour: 5)
        #expect(slash.encoded == "eyJpZCI6NywibG9jYXRpb25fY29kZSI6Ij8_PiIsInR5cGUiOiJpbW1lZGlhdGUiLCJpbW1lZGlhdGVfaG91ciI6NX0=")
        let plus = ServiceOptionReference(id: 7, locationCode: "~~~", type: .immediate, immediateHour: 5)
        #expect(plus.encoded == "eyJpZCI6NywibG9jYXRpb25fY29kZSI6In5-fiIsInR5cGUiOiJpbW1lZGlhdGUiLCJpbW1lZGlhdGVfaG91ciI6NX0=")
        for ref in [slash, plus] {
            #expect(!ref.encoded.contains("+"))
            #expect(!ref.encoded.contains("/"))
            #expect(ref.encoded.count % 4 == 0)
            let decoded = try #require(ServiceOptionReference.decode(ref.encoded))
            #expect(decoded == ref)
        }
    }

    @Test(
        "garbage does not decode",
        arguments: [
            "",
            "garbage",
            "%%%%",
            "eyJpZCI6",  // truncated JSON
            "W10=",  // []
            "eyJpZCI6MX0=",  // {"id":1}
            "bm90IGpzb24=",  // "not json"
            // {"id":1,"location_code":"A","type":"pickup","immediate_hour":2}: unknown type
            "eyJpZCI6MSwibG9jYXRpb25fY29kZSI6IkEiLCJ0eXBlIjoicGlja3VwIiwiaW1tZWRpYXRlX2hvdXIiOjJ9",
            // {"id":1,"location_code":"A","type":"scheduled","start_at":"2025-06-11T01:00:00","end_at":"2025-06-11T03:00:00Z"}
            "eyJpZCI6MSwibG9jYXRpb25fY29kZSI6IkEiLCJ0eXBlIjoic2NoZWR1bGVkIiwic3RhcnRfYXQiOiIyMDI1LTA2LTExVDAxOjAwOjAwIiwiZW5kX2F0IjoiMjAyNS0wNi0xMVQwMzowMDowMFoifQ==",
            // {"id":"1","location_code":"A","type":"immediate","immediate_hour":2}: id is a string
            "eyJpZCI6IjEiLCJsb2NhdGlvbl9jb2RlIjoiQSIsInR5cGUiOiJpbW1lZGlhdGUiLCJpbW1lZGlhdGVfaG91ciI6Mn0=",
        ]
    )
    func garbage(_ text: String) {
        #expect(ServiceOptionReference.decode(text) == nil)
    }

    @Test func typeNamesOfTheContract() {
        #expect(ServiceOptionType.scheduled.rawValue == "scheduled")
        #expect(ServiceOptionType.immediate.rawValue == "immediate")
        #expect(ServiceOptionType.eta.rawValue == "eta")
        #expect(ServiceOptionType.priorityETA.rawValue == "priority_eta")
    }
}
