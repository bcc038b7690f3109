import Foundation

extension String {
    /// Percent-decodes once; nil when an escape is malformed or the bytes are not UTF-8.
    func removingPercentEncodingOnce() -> String? {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8).makeIterator()
        while let c = it.next() {
            if c == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                bytes.append(hv << 4 | lv)
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 48...57: return c - 48
    case 65...70: return c - 55
    case 97...102: return c - 87
    default: return nil
    }
}
