import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the OpenAPI document shipped as a resource (the repository's `openapi.yaml` links to it).
enum OpenAPIDocument {
    static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let s = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\n" }
        return s
    }()

    static func response() -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/yaml; charset=utf-8"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
